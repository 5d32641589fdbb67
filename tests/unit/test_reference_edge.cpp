// Reference quantizer: errors, empty and tiny shapes, ties, zero groups, stochastic rounding.
#include <doctest/doctest.h>

#include <cstring>
#include <limits>

#include "support/reference_checks.hpp"

using namespace lowbit;

namespace {

template <Scheme S>
void expect_refused_and_untouched(const std::vector<float>& x, std::size_t rows, std::size_t cols, const char* needle) {
  quantized_matrix<S> q(rows, cols);
  auto v = q.view();
  std::memset(v.codes(), 0xA5, q.layout().code_bytes());
  std::memset(static_cast<void*>(v.scales()), 0xA5, q.layout().scale_bytes());
  if constexpr (S::has_zero_point)
    std::memset(static_cast<void*>(v.zero_points()), 0xA5, q.layout().zero_point_bytes());
  std::string message;
  try {
    reference::quantize<S>(x.data(), rows, cols, v);
  } catch (const lowbit::error& e) {
    message = e.what();
  }
  CAPTURE(message);
  CHECK(message.find(needle) != std::string::npos);
  const auto* c = reinterpret_cast<const unsigned char*>(q.codes().data());
  const auto* s = reinterpret_cast<const unsigned char*>(q.scales().data());
  CHECK(std::all_of(c, c + q.layout().code_bytes(), [](unsigned char b) { return b == 0xA5; }));
  CHECK(std::all_of(s, s + q.layout().scale_bytes(), [](unsigned char b) { return b == 0xA5; }));
}

}  // namespace

TEST_CASE("reference: NaN and Inf are refused before anything is written") {
  const float bad[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                       -std::numeric_limits<float>::infinity()};
  for (float b : bad) {
    for (std::size_t at : {std::size_t{0}, std::size_t{37}, std::size_t{4 * 130 - 1}}) {
      auto x = lowbit_test::make(lowbit_test::pattern::gaussian, 4, 130);
      x[at] = b;
      const char* needle = std::isnan(b) ? "NaN at row" : "Inf at row";
      expect_refused_and_untouched<scheme<bits<4>, per_group<32>>>(x, 4, 130, needle);
      expect_refused_and_untouched<scheme<asymmetric, bits<3>, per_tensor, scale<fp16>>>(x, 4, 130, needle);
      expect_refused_and_untouched<scheme<asymmetric, bits<5>, per_channel, zero_point<bf16>>>(x, 4, 130, needle);
    }
  }
  // The error names the position.
  auto x = lowbit_test::make(lowbit_test::pattern::gaussian, 3, 10);
  x[2 * 10 + 7] = std::numeric_limits<float>::quiet_NaN();
  expect_refused_and_untouched<scheme<bits<8>>>(x, 3, 10, "NaN at row 2, column 7");
}

TEST_CASE("reference: a scale or offset the storage type cannot hold is refused") {
  // Asymmetric 1-bit over [-65504, 65504] needs a step of 131008 > fp16 max.
  std::vector<float> x = {-65504.0f, 65504.0f, 0.0f, 1.0f};
  expect_refused_and_untouched<scheme<asymmetric, bits<1>, per_channel, scale<fp16>>>(x, 1, 4,
                                                                                      "not representable in fp16");
  expect_refused_and_untouched<scheme<asymmetric, bits<1>, per_channel, scale<fp16>, zero_point<fp16>>>(
      x, 1, 4, "not representable in fp16");
  // A float offset below fp16's range.
  std::vector<float> y = {-70000.0f, -69999.0f};
  expect_refused_and_untouched<scheme<asymmetric, bits<8>, per_channel, zero_point<fp16>>>(y, 1, 2, "offset");
  // fp32 scales: the asymmetric range of +-FLT_MAX overflows float.
  const float big = std::numeric_limits<float>::max();
  std::vector<float> z = {-big, big};
  expect_refused_and_untouched<scheme<asymmetric, bits<1>, per_channel>>(z, 1, 2, "not representable in fp32");
  // The symmetric scale FLT_MAX / 127 fits, but rounded up, 127 steps pass FLT_MAX.
  expect_refused_and_untouched<scheme<bits<8>, per_channel>>(z, 1, 2, "grid overflows float");
  // Just below that, the grid fits and the ends are within half a step.
  std::vector<float> w = {-1e38f, 3e38f};
  auto q = reference::quantize<scheme<bits<8>, per_channel>>(w.data(), 1, 2);
  std::vector<float> out(2);
  reference::dequantize<scheme<bits<8>, per_channel>>(q, out.data());
  CHECK(std::fabs(double(out[0]) + 1e38) <= 0.5 * double(q.scales()[0]));
  CHECK(std::fabs(double(out[1]) - 3e38) <= 0.5 * double(q.scales()[0]));
}

TEST_CASE("reference: empty matrices and shape checks") {
  using S = scheme<asymmetric, bits<3>, per_group<32>, scale<fp16>>;
  for (auto [r, c] : {std::pair<std::size_t, std::size_t>{0, 5}, {5, 0}, {0, 0}}) {
    auto q = reference::quantize<S>(nullptr, r, c);
    CHECK(q.empty());
    CHECK(q.codes().empty());
    CHECK(q.scales().empty());
    CHECK(q.zero_points().empty());
    reference::dequantize<S>(q, nullptr);  // writes nothing
  }
  std::vector<float> x(12, 1.0f);
  quantized_matrix<S> q(3, 5);
  CHECK_THROWS_WITH_AS(reference::quantize<S>(x.data(), 4, 3, q.view()),
                       doctest::Contains("quantized matrix is 3x5 but the fp32 matrix is 4x3"), lowbit::error);
  CHECK_THROWS_WITH_AS(reference::quantize<S>(nullptr, 3, 5, q.view()), doctest::Contains("null"), lowbit::error);
  CHECK_THROWS_WITH_AS(reference::quantize<S>(
                           reinterpret_cast<const float*>(reinterpret_cast<const char*>(x.data()) + 1), 3, 5, q.view()),
                       doctest::Contains("aligned"), lowbit::error);
}

TEST_CASE("reference: round half to even on exact ties") {
  // Symmetric 4-bit with max|x| = 7 gives d = 1 exactly: x = k + 0.5 is a tie.
  using S = scheme<bits<4>, per_channel>;
  std::vector<float> x = {7.0f, 2.5f, 3.5f, -2.5f, -3.5f, 0.5f, -0.5f, 1.5f};
  auto q = reference::quantize<S>(x.data(), 1, x.size());
  CHECK(float(q.scales()[0]) == 1.0f);
  std::vector<float> y(x.size());
  reference::dequantize<S>(q, y.data());
  const std::vector<float> expected = {7.0f, 2.0f, 4.0f, -2.0f, -4.0f, 0.0f, -0.0f, 2.0f};
  for (std::size_t i = 0; i < x.size(); ++i) CHECK(y[i] == expected[i]);
}

TEST_CASE("reference: zero and constant groups are exact, with no division by zero") {
  lowbit_test::for_each_width([]<int B>() {
    std::vector<float> x(2 * 64, 0.0f);
    for (std::size_t i = 64; i < 128; ++i) x[i] = 0.75f;  // row 1: constant
    auto check = [&]<class S>() {
      auto q = reference::quantize<S>(x.data(), 2, 64);
      std::vector<float> y(x.size(), 99.0f);
      reference::dequantize<S>(q, y.data());
      for (std::size_t i = 0; i < 64; ++i) CHECK(y[i] == 0.0f);  // zero groups: scale 0, exact
      CHECK(float(q.scales()[0]) == 0.0f);
      for (std::size_t i = 64; i < 128; ++i)
        CHECK(std::fabs(y[i] - 0.75f) <=
              0.5f * float(q.scales()[2]) * (S::bits == 1 && S::is_symmetric ? 2.0f : 1.0f) + 1e-6f);
    };
    check.template operator()<scheme<bits<B>, per_group<32>>>();
    check.template operator()<scheme<asymmetric, bits<B>, per_group<32>, scale<fp16>>>();
    // A float offset reproduces a representable constant exactly.
    using F = scheme<asymmetric, bits<B>, per_group<32>, zero_point<float>>;
    auto q = reference::quantize<F>(x.data(), 2, 64);
    std::vector<float> y(x.size());
    reference::dequantize<F>(q, y.data());
    for (std::size_t i = 64; i < 128; ++i) CHECK(y[i] == 0.75f);
  });
}

TEST_CASE("reference: 1-bit symmetric is sign times max|x|") {
  using S = scheme<bits<1>, per_channel>;
  std::vector<float> x = {-3.0f, 2.0f, 0.1f, -0.1f};
  auto q = reference::quantize<S>(x.data(), 1, 4);
  std::vector<float> y(4);
  reference::dequantize<S>(q, y.data());
  CHECK(y[0] == -3.0f);
  CHECK(y[1] == 3.0f);
  CHECK(y[2] == 3.0f);
  CHECK(y[3] == -3.0f);
}

TEST_CASE("reference: stochastic rounding is unbiased and reproducible for a seed") {
  using S = scheme<bits<4>, per_channel, stochastic_rounding>;
  // Row: one 1.0 (fixes d = 1/7), then 4095 copies of 0.37 (x/d = 2.59).
  std::vector<float> x(4096, 0.37f);
  x[0] = 1.0f;
  auto a = reference::quantize<S>(x.data(), 1, x.size(), {.seed = 42});
  auto b = reference::quantize<S>(x.data(), 1, x.size(), {.seed = 42});
  auto c = reference::quantize<S>(x.data(), 1, x.size(), {.seed = 43});
  CHECK(a.codes() == b.codes());
  CHECK(a.codes() != c.codes());
  std::vector<float> y(x.size());
  reference::dequantize<S>(a, y.data());
  double mean = 0.0;
  for (std::size_t i = 1; i < y.size(); ++i) {
    CHECK((std::fabs(y[i] - 2.0f / 7.0f) < 1e-6f || std::fabs(y[i] - 3.0f / 7.0f) < 1e-6f));
    mean += y[i];
  }
  mean /= double(y.size() - 1);
  // sigma of one element: d * sqrt(p(1-p)) ~ 0.07; of the mean: ~0.0011. Allow 5 sigma.
  CHECK(std::fabs(mean - 0.37) < 0.0055);
  // Round to nearest would give 3/7 = 0.4286 everywhere: far outside that band.
}
