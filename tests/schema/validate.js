// Validate a tradeq results.json against docs/results.schema.json (JSON Schema 2020-12).
// usage: node validate.js SCHEMA JSON   -> exit 0 when valid, 1 with the errors otherwise
"use strict";
const fs = require("fs");
const Ajv2020 = require("ajv/dist/2020");
const [schemaPath, dataPath] = process.argv.slice(2);
const schema = JSON.parse(fs.readFileSync(schemaPath, "utf8"));
const data = JSON.parse(fs.readFileSync(dataPath, "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(schema);
if (validate(data)) {
  console.log("valid");
  process.exit(0);
}
for (const e of validate.errors.slice(0, 20)) console.log(`${e.instancePath || "/"} ${e.message}`);
process.exit(1);
