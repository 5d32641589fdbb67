// kernels::quantize / dequantize vs the reference: per_group<7>, round to nearest even,
// bits 1..8 x every zero-point kind (see test_kernels_quantize.hpp).
#include "test_kernels_quantize.hpp"

TEST_CASE("kernels::quantize and dequantize match the reference: per_group<7>, round to nearest even") {
  lowbit_kq::check_all_schemes<lowbit::per_group<7>, lowbit::round_to_nearest_even, 0>();
}
