library(testthat)
library(tradeq)
test_check("tradeq")
