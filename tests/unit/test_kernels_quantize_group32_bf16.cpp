// kernels::quantize / dequantize vs the reference, round to nearest even:
// per_group<32> with scale<bf16>, bits 1..8 x every zero-point kind, code word rotating
// (one slice of the product, see test_kernels_quantize.hpp).
#include "test_kernels_quantize.hpp"

TEST_CASE("kernels::quantize and dequantize match the reference: per_group<32>, scale<bf16>, round to nearest even") {
  lowbit_kq::check_schemes(lowbit_kq::product_slice<2, 2>());
}
