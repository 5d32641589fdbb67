// mse_search (lowbit/range_search.hpp): the SIMD kernels against the scalar
// reference, bit for bit, with the battery of test_kernels_quantize_checks.cpp
// and with importance weights; what the search must achieve (no worse than
// min_max, weighted by the importance it is given); the refusal of bad weights.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "lowbit/lowbit.hpp"
#include "unit/test_kernels_quantize.hpp"

namespace {

using namespace lowbit;

/// LLM-like rows: Gaussian with a few outliers (1 in 17 elements x8).
std::vector<float> weights_like(std::size_t rows, std::size_t cols, unsigned seed) {
  std::mt19937 g(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(rows * cols);
  for (auto& v : x) v = normal(g) * (g() % 17 == 0 ? 8.0f : 1.0f);
  return x;
}

/// Heavy-tailed importance: the square of a log-normal, as activation mean squares are.
std::vector<float> importance_like(std::size_t cols, unsigned seed) {
  std::mt19937 g(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> w(cols);
  for (auto& v : w) v = std::exp(2.0f * normal(g));
  return w;
}

template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

/// lowbit::quantize (this binary's SIMD path) and reference::quantize give the same bytes.
template <Scheme S>
void check_same_as_reference(std::size_t rows, std::size_t cols, const float* importance, unsigned seed) {
  CAPTURE(rows);
  CAPTURE(cols);
  CAPTURE(importance != nullptr);
  const auto x = weights_like(rows, cols, seed);
  quantize_options o;
  o.importance = importance;
  const auto a = lowbit::quantize<S>(x.data(), rows, cols, o);
  const auto b = reference::quantize<S>(x.data(), rows, cols, o);
  CHECK(a.codes() == b.codes());
  CHECK(same_bytes(a.scales(), b.scales()));
  if constexpr (S::has_zero_point) CHECK(same_bytes(a.zero_points(), b.zero_points()));
}

/// sum_c w[c] (x - x^)^2 over the matrix (w null: 1), and sum_c w[c] x^2.
template <Scheme S>
double weighted_sqnr(const std::vector<float>& x, std::size_t rows, std::size_t cols, const float* search_importance,
                     const float* w) {
  quantize_options o;
  o.importance = search_importance;
  const auto q = lowbit::quantize<S>(x.data(), rows, cols, o);
  std::vector<float> x_hat(x.size());
  lowbit::dequantize<S>(q, x_hat.data());
  double signal = 0.0, noise = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double wc = w ? w[i % cols] : 1.0, e = double(x[i]) - double(x_hat[i]);
    signal += wc * double(x[i]) * double(x[i]);
    noise += wc * e * e;
  }
  return 10.0 * std::log10(signal / noise);
}

template <class Search, class MinMax>
void check_not_worse(std::size_t rows, std::size_t cols) {
  CAPTURE(Search::bits);
  const auto x = weights_like(rows, cols, 7);
  const double searched = weighted_sqnr<Search>(x, rows, cols, nullptr, nullptr);
  const double min_max = weighted_sqnr<MinMax>(x, rows, cols, nullptr, nullptr);
  CAPTURE(searched);
  CAPTURE(min_max);
  CHECK(searched > min_max);
}

}  // namespace

TEST_CASE("kernels::quantize and dequantize match the reference: mse_search, every mode") {
  using lowbit_kq::describe;
  // every width and mode; granularity, scale type, zero point and code word rotating
  // clang-format off
  lowbit_kq::check_schemes({
      describe<scheme<bits<1>, symmetric,            per_group<32>,  scale<fp16>, mse_search>>(),
      describe<scheme<bits<1>, asymmetric,           per_group<7>,   scale<bf16>, zero_point<std::uint8_t>, mse_search>>(),
      describe<scheme<bits<2>, asymmetric,           per_group<32>,  scale<fp16>, zero_point<fp16>, mse_search>>(),
      describe<scheme<bits<3>, symmetric_full_range, per_group<48>,  scale<float>, code_word<std::uint16_t>, mse_search>>(),
      describe<scheme<bits<4>, asymmetric,           per_group<32>,  scale<fp16>, zero_point<std::uint8_t>, mse_search>>(),
      describe<scheme<bits<4>, symmetric,            per_channel,    scale<bf16>, code_word<std::uint32_t>, mse_search>>(),
      describe<scheme<bits<5>, asymmetric,           per_tensor,     scale<fp16>, zero_point<bf16>, mse_search>>(),
      describe<scheme<bits<6>, symmetric_full_range, per_group<16>,  scale<fp16>, code_word<std::uint64_t>, mse_search>>(),
      describe<scheme<bits<7>, asymmetric,           per_group<128>, scale<float>, zero_point<float>, mse_search>>(),
      describe<scheme<bits<8>, symmetric,            per_group<32>,  scale<bf16>, mse_search>>(),
  });
  // clang-format on
}

TEST_CASE("mse_search with importance weights: the SIMD path gives the reference's bytes") {
  for (const std::size_t cols : {std::size_t{37}, std::size_t{100}, std::size_t{384}, std::size_t{1000}}) {
    const auto w = importance_like(cols, static_cast<unsigned>(cols));
    for (const float* importance : {static_cast<const float*>(nullptr), w.data()}) {
      check_same_as_reference<scheme<bits<2>, asymmetric, per_group<32>, scale<fp16>, zero_point<fp16>, mse_search>>(
          5, cols, importance, 1);
      check_same_as_reference<scheme<bits<3>, asymmetric, per_group<7>, scale<bf16>, mse_search>>(3, cols, importance,
                                                                                                  2);
      check_same_as_reference<scheme<bits<4>, symmetric_full_range, per_group<48>, scale<fp16>, mse_search>>(
          17, cols, importance, 3);
      check_same_as_reference<scheme<bits<4>, symmetric, per_group<16>, mse_search>>(4, cols, importance, 4);
      check_same_as_reference<scheme<bits<1>, symmetric, per_group<32>, scale<fp16>, mse_search>>(3, cols, importance,
                                                                                                  5);
      check_same_as_reference<scheme<bits<6>, asymmetric, per_channel, zero_point<float>, mse_search>>(3, cols,
                                                                                                       importance, 6);
      check_same_as_reference<scheme<bits<3>, symmetric, per_tensor, mse_search>>(2, cols, importance, 7);
    }
  }
}

TEST_CASE("mse_search: more SQNR than min_max on LLM-like rows, every mode") {
  constexpr std::size_t rows = 64, cols = 256;
  check_not_worse<scheme<bits<2>, asymmetric, per_group<32>, scale<fp16>, zero_point<fp16>, mse_search>,
                  scheme<bits<2>, asymmetric, per_group<32>, scale<fp16>, zero_point<fp16>>>(rows, cols);
  check_not_worse<scheme<bits<3>, asymmetric, per_group<32>, scale<fp16>, mse_search>,
                  scheme<bits<3>, asymmetric, per_group<32>, scale<fp16>>>(rows, cols);
  check_not_worse<scheme<bits<4>, symmetric, per_group<32>, scale<fp16>, mse_search>,
                  scheme<bits<4>, symmetric, per_group<32>, scale<fp16>>>(rows, cols);
  check_not_worse<scheme<bits<4>, symmetric_full_range, per_group<32>, scale<fp16>, mse_search>,
                  scheme<bits<4>, symmetric_full_range, per_group<32>, scale<fp16>>>(rows, cols);
  check_not_worse<scheme<bits<1>, symmetric, per_group<32>, scale<fp16>, mse_search>,
                  scheme<bits<1>, symmetric, per_group<32>, scale<fp16>>>(rows, cols);
  check_not_worse<scheme<bits<4>, asymmetric, per_channel, zero_point<float>, mse_search>,
                  scheme<bits<4>, asymmetric, per_channel, zero_point<float>>>(rows, cols);
}

TEST_CASE("mse_search: importance weights lower the error they weight") {
  constexpr std::size_t rows = 64, cols = 256;
  const auto x = weights_like(rows, cols, 11);
  const auto w = importance_like(cols, 12);
  auto gain = [&]<Scheme S>() {
    const double with = weighted_sqnr<S>(x, rows, cols, w.data(), w.data());
    const double without = weighted_sqnr<S>(x, rows, cols, nullptr, w.data());
    CAPTURE(S::bits);
    CAPTURE(with);
    CAPTURE(without);
    CHECK(with > without);
  };
  gain.template operator()<scheme<bits<3>, asymmetric, per_group<32>, scale<fp16>, zero_point<fp16>, mse_search>>();
  gain.template operator()<scheme<bits<4>, symmetric_full_range, per_group<32>, scale<fp16>, mse_search>>();
  gain.template operator()<scheme<bits<4>, asymmetric, per_channel, zero_point<float>, mse_search>>();
}

TEST_CASE("mse_search, symmetric bits<1>: d is the mean |x| (the least-squares scale of +-d)") {
  using S = scheme<bits<1>, symmetric, per_group<4>, scale<float>, mse_search>;
  const std::vector<float> x = {1.0f, -3.0f, 0.5f, 2.5f};
  const auto q = lowbit::quantize<S>(x.data(), 1, 4);
  CHECK(q.scales()[0] == 1.75f);  // (1 + 3 + 0.5 + 2.5) / 4
}

TEST_CASE("mse_search: bad importance weights are refused, nothing is written") {
  using S = scheme<bits<4>, asymmetric, per_group<32>, scale<fp16>, mse_search>;
  constexpr std::size_t rows = 2, cols = 40;
  const auto x = weights_like(rows, cols, 3);
  const matrix_layout<S> layout{rows, cols};
  for (const float bad : {-1.0f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    std::vector<float> w(cols, 1.0f);
    w[33] = bad;
    quantize_options o;
    o.importance = w.data();
    for (const bool simd : {true, false}) {
      std::vector<std::byte> blob(layout.total_bytes(), std::byte{0x5A});
      const auto view = quantized_view<S>::from_blob(rows, cols, blob.data(), blob.size());
      const status st = simd ? lowbit::try_quantize<S>(x.data(), rows, cols, view, o)
                             : reference::try_quantize<S>(x.data(), rows, cols, view, o);
      REQUIRE(!st.ok());
      CHECK(std::string(st.message()).find("importance weight of column 33") != std::string::npos);
      CHECK(std::all_of(blob.begin(), blob.end(), [](std::byte b) { return b == std::byte{0x5A}; }));
    }
  }
  // min_max schemes do not read the weights
  using M = scheme<bits<4>, asymmetric, per_group<32>, scale<fp16>>;
  std::vector<float> w(cols, -1.0f);
  quantize_options o;
  o.importance = w.data();
  CHECK_NOTHROW((void)lowbit::quantize<M>(x.data(), rows, cols, o));
}
