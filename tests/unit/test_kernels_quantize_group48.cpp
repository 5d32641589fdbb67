// kernels::quantize / dequantize vs the reference, round to nearest even:
// per_group<48> (a multiple of 16 lanes, not of 32): every zero-point kind x
// scale type, bits and code word rotating (see test_kernels_quantize.hpp).
#include "test_kernels_quantize.hpp"

TEST_CASE("kernels::quantize and dequantize match the reference: per_group<48>, round to nearest even") {
  auto schemes = lowbit_kq::product_slice<4, 0>();
  for (auto more : {lowbit_kq::product_slice<4, 1>(), lowbit_kq::product_slice<4, 2>()})
    schemes.insert(schemes.end(), more.begin(), more.end());
  lowbit_kq::check_schemes(schemes);
}
