# Ctrl-C during a long solve (r/tools/ctest.sh sends SIGINT 0.3 s after each "GO pid"): the
# library's progress callback sees the interrupt, the library stops, and the package
# signals a "tq_interrupt" (an interrupt taken in R code would be a plain "interrupt";
# without the callback the solve would run on until it stalls, about 2000 iterations,
# and end with a not-converged error). Prints "ok" or "FAIL" per round.
library(tradeq)
invisible(tq_load("wiod2014"))
for (k in 1:2) {
  cat("GO", Sys.getpid(), "\n")
  flush(stdout())
  r <- tryCatch(tq_run(tol = 1e-300, max_iter = 1000000000L, max_seconds = 60, detail = "summary"),
                tq_interrupt = function(e) "stopped in the library", interrupt = function(e) "interrupt in R",
                tq_error = function(e) conditionMessage(e))
  cat(if (identical(r, "stopped in the library")) "ok  " else "FAIL", "interrupt", k, ":", r, "\n")
  # the session works on
  cat(if (isTRUE(tq_run(detail = "summary")$converged)) "ok  " else "FAIL", "a run after it converges\n")
  flush(stdout())
}
