// tests/dispatch: the kernels of the runtime-dispatch test, compiled by
// lowbit_add_dispatched_sources once per ISA level and once as the dispatcher.
#include "lowbit/dispatch.hpp"

#include "dispatch_schemes.hpp"

LOWBIT_DISPATCH_GEMM(test_gemm_q4, dispatch_test::q4)
LOWBIT_DISPATCH_GEMM(test_gemm_q3a, dispatch_test::q3a)
