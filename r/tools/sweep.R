# A tariff sweep with tq_run, plotted with base R (docs/r.md): the US tariff on Japanese
# motor vehicles raised by 0 to 100 points; welfare of the US and Japan. Writes sweep.png
# (or the path given after --args).
library(tradeq)
out <- commandArgs(trailingOnly = TRUE)
out <- if (length(out)) out[1] else "sweep.png"
pts <- seq(0, 100, by = 10)
w <- t(sapply(pts, function(pp) {
  r <- tq_run(sprintf("name: s%d\ntariffs:\n  - {importer: USA, exporter: JPN, sectors: autos, add: %dpp}",
                      pp, pp), detail = "summary")
  x <- r$regions
  c(USA = x$welfare_pct[x$region == "USA"], JPN = x$welfare_pct[x$region == "JPN"])
}))
print(cbind(points = pts, w))
png(out, width = 720, height = 480)
matplot(pts, w, type = "l", lty = 1, col = c("navy", "firebrick"),
        xlab = "US tariff on Japanese motor vehicles, points added", ylab = "welfare change, %")
legend("bottomleft", legend = colnames(w), col = c("navy", "firebrick"), lty = 1)
invisible(dev.off())
cat("wrote", out, "\n")
