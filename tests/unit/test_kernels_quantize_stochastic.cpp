// kernels::quantize / dequantize vs the reference with stochastic rounding:
// bits 1..8 x every zero-point kind, granularities rotating (see test_kernels_quantize.hpp).
#include "test_kernels_quantize.hpp"

TEST_CASE("kernels::quantize and dequantize match the reference: stochastic rounding") {
  lowbit_kq::check_stochastic_schemes();
}

TEST_CASE("kernels::quantize with stochastic rounding depends on the seed and only on it") {
  using S = lowbit::scheme<lowbit::bits<3>, lowbit::per_group<32>, lowbit::stochastic_rounding>;
  const std::size_t rows = 4, cols = 600;
  const auto x = lowbit_kq::make(lowbit_kq::fill::gaussian, rows, cols, 3);
  const auto a = lowbit_kq::run_quantize<S, true>(x.data(), rows, cols, 1);
  const auto b = lowbit_kq::run_quantize<S, true>(x.data(), rows, cols, 2);
  const auto a2 = lowbit_kq::run_quantize<S, true>(x.data(), rows, cols, 1);
  CHECK(a.blob != b.blob);
  CHECK(a.blob == a2.blob);
  // seeds that differ only in the high 32 bits
  lowbit_kq::require_same(lowbit_kq::run_quantize<S, false>(x.data(), rows, cols, 1ull << 40),
                          lowbit_kq::run_quantize<S, true>(x.data(), rows, cols, 1ull << 40));
}
