# tradeq from R: datasets and scenario runs over libtradeq (src/tradeq.c).

.tq <- new.env(parent = emptyenv())

# tq_status codes and the condition classes they raise
.tq_status <- c("-1" = "tq_nomem_error", "-2" = "tq_io_error", "-3" = "tq_parse_error",
                "-4" = "tq_invalid_error", "-5" = "tq_not_found_error",
                "-6" = "tq_not_converged_error", "-7" = "tq_cancelled_error",
                "-8" = "tq_exists_error", "-9" = "tq_unsupported_error")
.tq_closures <- c("fixed", "balanced", "share", "target")
.tq_arrays <- c("Z", "TARIFF", "GAMMA", "BETA", "ALPHA", "VA", "DEFICIT", "THETA",
                "X", "XJ", "PI", "Y", "R", "I")

# Turn a "tq_c_error" value from the C glue into an R condition: class
# c("tq_<kind>_error", "tq_error", "error", "condition") with status, file, line,
# column and field; an interrupt (Ctrl-C during a solve) is signalled as an interrupt.
.tq_check <- function(x) {
  if (!inherits(x, "tq_c_error")) return(x)
  if (isTRUE(x$interrupted)) {
    cond <- structure(class = c("tq_interrupt", "interrupt", "condition"),
                      list(message = "tradeq: interrupted", call = NULL))
    signalCondition(cond)
    stop("tradeq: the solve was interrupted", call. = FALSE)
  }
  file <- x$file
  line <- x$line
  column <- 0L
  # scenario errors carry their place as "file:line:column" in the file field
  m <- regmatches(file, regexec("^(.*?):([0-9]+)(:([0-9]+))?$", file, perl = TRUE))[[1]]
  if (length(m) && line == 0L) {
    file <- m[2]
    line <- as.integer(m[3])
    column <- if (nzchar(m[5])) as.integer(m[5]) else 0L
  }
  kind <- .tq_status[as.character(x$status)]
  if (is.na(kind)) kind <- "tq_invalid_error"
  stop(structure(class = c(unname(kind), "tq_error", "error", "condition"),
                 list(message = x$message, call = NULL, status = x$status, file = file,
                      line = line, column = column, field = x$field)))
}

tq_version <- function() .Call(tqr_version)

tq_session <- function(data_dir = NULL) {
  s <- .tq_check(.Call(tqr_session_new, data_dir))
  s
}

.tq_default_session <- function() {
  if (is.null(.tq$session)) .tq$session <- tq_session()
  .tq$session
}

print.tq_session <- function(x, ...) {
  cat("<tradeq session, data folder ", .Call(tqr_data_dir, x), ">\n", sep = "")
  invisible(x)
}

tq_default_scenario <- function(session = NULL) {
  if (is.null(session)) session <- .tq_default_session()
  .tq_check(.Call(tqr_default_scenario, session))
}

tq_load <- function(name = NULL, elasticities = NULL, region_map = NULL, sector_map = NULL,
                    session = NULL) {
  if (is.null(session)) session <- .tq_default_session()
  ds <- .tq_check(.Call(tqr_load, session, name, elasticities, region_map, sector_map))
  ds$session <- session
  ds$key <- list(name = name, elasticities = elasticities, region_map = region_map,
                 sector_map = sector_map)
  structure(ds, class = "tq_dataset")
}

print.tq_dataset <- function(x, ...) {
  cat(sprintf("<tradeq dataset %s: %d regions x %d sectors, years %s>\n", x$name,
              length(x$regions), length(x$sectors), paste(range(x$years), collapse = "-")))
  invisible(x)
}

.tq_frame <- function(cols) {
  df <- structure(cols, class = "data.frame", row.names = .set_row_names(length(cols[[1]])))
  if (requireNamespace("data.table", quietly = TRUE)) df <- data.table::as.data.table(df)
  df
}

tq_flows <- function(ds, year = NULL) {
  stopifnot(inherits(ds, "tq_dataset"))
  y <- if (is.null(year)) length(ds$years) else match(as.integer(year), ds$years)
  if (is.na(y)) stop(sprintf("dataset %s has no year %s", ds$name, year), call. = FALSE)
  z <- .Call(tqr_dataset_array, ds$ptr, 0L, y - 1L)
  t <- .Call(tqr_dataset_array, ds$ptr, 1L, y - 1L)
  N <- length(ds$regions)
  J <- length(ds$sectors)
  .tq_frame(list(year = rep(ds$years[y], N * N * J),
                 exporter = rep(rep(ds$regions, each = J), times = N),
                 importer = rep(ds$regions, each = N * J),
                 sector = rep(ds$sectors, times = N * N),
                 value = z, tariff = t))
}

tq_run <- function(scenario = NULL, data = NULL, closure = NULL, elasticities = NULL,
                   detail = c("full", "summary"), tol = 0, max_iter = 0L, threads = 0L,
                   max_seconds = 0, session = NULL) {
  detail <- match.arg(detail)
  if (inherits(data, "tq_dataset")) {
    if (!is.null(data$key$region_map) || !is.null(data$key$sector_map))
      stop("a run on an aggregated dataset names its maps in the scenario (data: aggregate:)",
           call. = FALSE)
    if (is.null(session)) session <- data$session
    if (is.null(elasticities)) elasticities <- data$key$elasticities
    data <- data$key$name
  }
  if (is.null(session)) session <- .tq_default_session()
  is_text <- FALSE
  if (!is.null(scenario)) {
    if (!is.character(scenario) || length(scenario) < 1L) stop("scenario is a path or YAML text")
    if (length(scenario) > 1L || grepl("\n", scenario[1]) ||
        (!file.exists(scenario) && !grepl("\\.ya?ml$", scenario))) {
      scenario <- paste(scenario, collapse = "\n")
      is_text <- TRUE
    }
  }
  cl <- NA_integer_
  if (!is.null(closure)) {
    cl <- match(closure, .tq_closures) - 1L
    if (is.na(cl)) stop("closure is one of fixed, balanced, share, target", call. = FALSE)
  }
  out <- .tq_check(.Call(tqr_run, session, scenario, is_text, data, as.integer(cl),
                         elasticities, detail == "full", as.double(tol), as.integer(max_iter),
                         as.integer(threads), as.double(max_seconds)))
  tables <- lapply(out$tables, .tq_frame)
  res <- structure(c(tables, list(solver = tables$run, converged = out$converged,
                                  detail = detail)), class = "tq_result")
  if (!out$converged)
    stop(structure(class = c("tq_not_converged_error", "tq_error", "error", "condition"),
                   list(message = "tradeq: a solve did not converge (see $result$solver)",
                        call = NULL, status = -6L, result = res)))
  res
}

print.tq_result <- function(x, ...) {
  r <- x$regions
  cat(sprintf("<tradeq result: %s (%s detail); tables %s>\n",
              paste(unique(r$scenario), collapse = ", "), x$detail,
              paste(setdiff(names(x), c("solver", "converged", "detail")), collapse = ", ")))
  invisible(x)
}

# Read decimal texts (a column of a tradeq CSV result file) as doubles exactly, with the
# C library's strtod; "" is NA.
.tq_strtod <- function(x) .Call(tqr_strtod, as.character(x))
