# Tests of the R package over libtradeq: datasets, the default run against the CLI's CSV
# to the last digit, errors with file:line:column, and memory under repeated load/run.

test_that("a dataset loads with its labels and flows", {
  ds <- tq_load("wiod2014")
  expect_s3_class(ds, "tq_dataset")
  expect_equal(length(ds$regions), 44L)
  expect_true(all(c("USA", "JPN") %in% ds$regions))
  expect_equal(ds$years[length(ds$years)], 2014L)
  f <- tq_flows(ds)
  N <- length(ds$regions)
  J <- length(ds$sectors)
  expect_equal(names(f), c("year", "exporter", "importer", "sector", "value", "tariff"))
  expect_equal(nrow(f), N * N * J)
  expect_true(all(f$value >= 0))
  expect_true(all(f$tariff[f$exporter == f$importer] == 0))
  # the same cells as the Python package's order: importer-major, then exporter, sector
  k <- (match("USA", ds$regions) - 1) * N * J + (match("JPN", ds$regions) - 1) * J + 20
  expect_equal(c(f$importer[k], f$exporter[k], f$sector[k]), c("USA", "JPN", "C20"))
  expect_error(tq_flows(ds, 1990), "no year 1990")
})

read_csv_text <- function(path) {
  utils::read.csv(path, colClasses = "character", check.names = FALSE, na.strings = character(0))
}

same_as_csv <- function(df, text, skip = character(0)) {
  df <- as.data.frame(df)
  expect_equal(names(df), names(text))
  expect_equal(nrow(df), nrow(text))
  for (col in setdiff(names(df), skip)) {
    v <- df[[col]]
    t <- text[[col]]
    if (is.character(v)) {
      expect_identical(v, t, label = col)
    } else if (is.integer(v)) {
      expect_identical(v, as.integer(t), label = col)
    } else {
      # to the last digit: the CSV holds the shortest text that reads back as the same
      # double; read it with C's correctly rounded strtod (R's as.numeric may be one unit
      # in the last place off) and compare the doubles bit for bit
      w <- tradeq:::.tq_strtod(t)
      expect_identical(v, w, label = col)
    }
  }
}

test_that("the default run's tables equal the CLI's CSV to the last digit", {
  cli <- Sys.getenv("TRADEQ_CLI")
  skip_if(cli == "", "TRADEQ_CLI is not set")
  out <- tempfile("tradeq-r-")
  status <- system2(cli, c("run", "--out", out, "--format", "csv"), stdout = FALSE)
  expect_equal(status, 0L)
  on.exit(unlink(out, recursive = TRUE))
  r <- tq_run()
  expect_s3_class(r, "tq_result")
  same_as_csv(r$regions, read_csv_text(file.path(out, "results_regions.csv")))
  same_as_csv(r$region_sector, read_csv_text(file.path(out, "results_region_sector.csv")))
  same_as_csv(r$pair_sector, read_csv_text(file.path(out, "results_pair_sector.csv")))
  same_as_csv(r$bilateral, read_csv_text(file.path(out, "results_bilateral.csv")))
  same_as_csv(r$run, read_csv_text(file.path(out, "results_run.csv")), skip = "seconds")
  expect_identical(r$solver, r$run)
  golden <- utils::read.csv(file.path(Sys.getenv("TRADEQ_SOURCE_DIR"), "tests", "golden",
                                      "us-japan-autos.csv"))
  jpn <- r$regions$welfare_pct[r$regions$region == "JPN"]
  expect_lt(abs(jpn - golden$welfare_pct[golden$region == "JPN"]), 1e-6)
  if (requireNamespace("data.table", quietly = TRUE)) expect_s3_class(r$regions, "data.table")
})

test_that("text scenarios and overrides", {
  a <- tq_run(c("name: t", "closure: fixed", "tariffs:", "  - importer: USA", "    exporter: JPN",
                "    sectors: autos", "    add: 25pp"), detail = "summary")
  b <- tq_run(tq_default_scenario(), detail = "summary")
  expect_identical(a$regions$welfare_pct, b$regions$welfare_pct)
  expect_false("bilateral" %in% names(b))
  d <- tq_run(closure = "balanced", data = tq_load("wiod2014"), detail = "summary")
  expect_equal(d$regions$closure[1], "balanced")
  expect_false(isTRUE(all.equal(d$regions$welfare_pct, b$regions$welfare_pct)))
})

test_that("a bad scenario raises with file:line:column", {
  bad <- tempfile(fileext = ".yaml")
  writeLines(c("name: bad", "tariffs:", "  - importer: USA", "    exporter: JPN",
               "    sectors: autos", "    add: banana"), bad)
  e <- tryCatch(tq_run(bad), tq_error = function(e) e)
  expect_s3_class(e, "tq_parse_error")
  expect_equal(c(e$file, e$line, e$column), c(bad, 6, 10))
  expect_match(conditionMessage(e), paste0(bad, ":6:10: "), fixed = TRUE)
  e <- tryCatch(tq_run("name: x\ntariffs: [\n"), tq_error = function(e) e)
  expect_s3_class(e, "tq_parse_error")
  expect_equal(c(e$line, e$column), c(3, 1))
  expect_error(tq_load("no-such-dataset"), class = "tq_not_found_error")
  expect_error(tq_run(max_iter = 2L, detail = "summary"), class = "tq_not_converged_error")
})

rss_mb <- function() {
  as.numeric(strsplit(readLines("/proc/self/statm"), " ")[[1]][2]) * 4096 / 2^20
}

test_that("repeated load and run frees the library's memory", {
  once <- function() {
    s <- tq_session()
    ds <- tq_load("wiod2014", session = s)
    r <- tq_run(data = ds, session = s)
    expect_gt(nrow(r$bilateral), 80000)
    invisible(NULL)
  }
  for (k in 1:3) {
    once()
    invisible(gc())
  }
  rss <- numeric(6)
  for (k in 1:6) {
    once()
    invisible(gc())
    rss[k] <- rss_mb()
  }
  # each round's session (dataset, baseline caches: about 15 MB) is freed by its
  # finalizer; five leaked rounds would be 75 MB
  message(sprintf("rss after each round, MB: %s", paste(sprintf("%.1f", rss), collapse = " ")))
  expect_lt(rss[6] - rss[1], 10)
})
