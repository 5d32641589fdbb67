// kernels::quantize / dequantize vs the reference with stochastic rounding:
// bits 1..8 x every zero-point kind, granularity, scale type and code word
// rotating (see test_kernels_quantize.hpp); the seed dependence of the kernel.
#include "test_kernels_quantize.hpp"

TEST_CASE("kernels::quantize and dequantize match the reference: stochastic rounding") {
  lowbit_kq::check_schemes(lowbit_kq::stochastic_schemes());
}

TEST_CASE("kernels::quantize with stochastic rounding depends on the seed and only on it") {
  using S = lowbit::scheme<lowbit::bits<3>, lowbit::per_group<32>, lowbit::stochastic_rounding>;
  const std::size_t rows = 4, cols = 600;
  const auto x = lowbit_test::make(lowbit_test::pattern::gaussian, rows, cols, 3);
  const auto a = lowbit_kq::run_quantize<S, true>(x.data(), rows, cols, 1);
  const auto b = lowbit_kq::run_quantize<S, true>(x.data(), rows, cols, 2);
  const auto a2 = lowbit_kq::run_quantize<S, true>(x.data(), rows, cols, 1);
  REQUIRE(a.error.empty());
  CHECK(a.blob != b.blob);
  CHECK(a.blob == a2.blob);
  // a seed that differs from 0 only in its high 32 bits: another stream, the reference's
  const auto zero = lowbit_kq::run_quantize<S, true>(x.data(), rows, cols, 0);
  const auto high_ref = lowbit_kq::run_quantize<S, false>(x.data(), rows, cols, 1ull << 40);
  const auto high = lowbit_kq::run_quantize<S, true>(x.data(), rows, cols, 1ull << 40);
  REQUIRE(high_ref.error.empty());
  CHECK(high.blob == high_ref.blob);
  CHECK(high.blob != zero.blob);
}
