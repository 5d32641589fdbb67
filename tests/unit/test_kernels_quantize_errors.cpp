// kernels::quantize error paths (the reference's message, nothing written) and
// the public entry points of lowbit/quantize.hpp against the reference.
#include <algorithm>
#include <cstring>
#include <limits>

#include "test_kernels_quantize.hpp"

namespace {

bool untouched(const std::vector<std::byte>& blob) {
  return std::all_of(blob.begin(), blob.end(), [](std::byte b) { return b == lowbit_kq::sentinel; });
}

template <lowbit::Scheme S>
void check_unrepresentable(const std::vector<float>& x, std::size_t rows, std::size_t cols, const char* needle) {
  const auto ref = lowbit_kq::run_quantize<S, false>(x.data(), rows, cols, 0);
  CAPTURE(ref.error);
  REQUIRE(ref.error.find(needle) != std::string::npos);
  const auto simd = lowbit_kq::run_quantize<S, true>(x.data(), rows, cols, 0);
  CHECK(simd.error == ref.error);
  CHECK(untouched(simd.blob));
  CHECK_THROWS_AS(lowbit::quantize<S>(x.data(), rows, cols), lowbit::error);
}

}  // namespace

TEST_CASE("kernels::quantize: a scale or offset the storage cannot hold throws, nothing written") {
  const std::size_t rows = 3, cols = 100;
  std::vector<float> x = lowbit_test::make(lowbit_test::pattern::gaussian, rows, cols, 9);
  x[140] = -65504.0f;  // row 1, group 1 of per_group<32>
  x[160] = 65504.0f;
  SUBCASE("fp16 scale, asymmetric bits<1> with a float offset over [-65504, 65504]") {
    check_unrepresentable<lowbit::scheme<lowbit::bits<1>, lowbit::asymmetric, lowbit::zero_point<float>,
                                         lowbit::scale<lowbit::fp16>, lowbit::per_channel>>(x, rows, cols,
                                                                                            "row 1, group 0");
  }
  SUBCASE("fp16 scale, asymmetric bits<1> per_tensor with an integer zero point") {
    check_unrepresentable<
        lowbit::scheme<lowbit::bits<1>, lowbit::asymmetric, lowbit::scale<lowbit::fp16>, lowbit::per_tensor>>(
        x, rows, cols, "not representable in fp16");
  }
  SUBCASE("float scale, symmetric bits<1>: the step 2d overflows") {
    std::vector<float> y = x;
    y[200] = 3.0e38f;
    check_unrepresentable<lowbit::scheme<lowbit::bits<1>, lowbit::per_group<32>>>(y, rows, cols, "row 2, group 0");
  }
  SUBCASE("bf16 scale, symmetric bits<8>: the rounded-up scale's grid passes FLT_MAX") {
    std::vector<float> y = x;
    y[250] = -3.4028e38f;  // d = 3.4028e38 / 127 rounds up to bf16: 127 d > FLT_MAX
    check_unrepresentable<lowbit::scheme<lowbit::bits<8>, lowbit::per_group<7>, lowbit::scale<lowbit::bf16>>>(
        y, rows, cols, "grid end");
  }
  SUBCASE("fp16 offset below -65504") {
    std::vector<float> y = x;
    y[10] = -70000.0f;
    check_unrepresentable<
        lowbit::scheme<lowbit::bits<8>, lowbit::asymmetric, lowbit::zero_point<lowbit::fp16>, lowbit::per_group<7>>>(
        y, rows, cols, "offset");
  }
  SUBCASE("the first error in row-major order wins: NaN after an unrepresentable group") {
    std::vector<float> y = x;
    y[250] = std::numeric_limits<float>::quiet_NaN();
    check_unrepresentable<
        lowbit::scheme<lowbit::bits<1>, lowbit::asymmetric, lowbit::scale<lowbit::fp16>, lowbit::per_group<32>>>(
        y, rows, cols, "row 1, group 1");
  }
}

TEST_CASE("lowbit::quantize / dequantize / pack_row / unpack_row run the kernels, same bytes as the reference") {
  using S = lowbit::scheme<lowbit::bits<4>, lowbit::per_group<32>, lowbit::scale<lowbit::fp16>>;
  const std::size_t rows = 3, cols = 1100;
  const auto x = lowbit_test::make(lowbit_test::pattern::gaussian, rows, cols, 4);
  const auto ref = lowbit::reference::quantize<S>(x.data(), rows, cols);
  const auto q = lowbit::quantize<S>(x.data(), rows, cols);
  CHECK(q.codes() == ref.codes());
  CHECK(std::memcmp(q.scales().data(), ref.scales().data(), ref.layout().scale_bytes()) == 0);
  std::vector<float> a(rows * cols), b(rows * cols);
  lowbit::reference::dequantize<S>(ref, a.data());
  lowbit::dequantize<S>(q, b.data());
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);

  std::vector<std::uint8_t> codes(cols), back(cols);
  for (std::size_t i = 0; i < cols; ++i) codes[i] = static_cast<std::uint8_t>((i * 7) % 13);
  using L = lowbit::packed_layout<4, std::uint16_t>;
  std::vector<std::uint16_t> w_ref(L::row_words(cols)), w(L::row_words(cols));
  lowbit::reference::pack_row<4>(codes.data(), cols, w_ref.data());
  lowbit::pack_row<4>(codes.data(), cols, w.data());
  CHECK(w == w_ref);
  lowbit::unpack_row<4>(w.data(), cols, back.data());
  CHECK(back == codes);
  codes[5] = 16;
  CHECK_THROWS_AS(lowbit::pack_row<4>(codes.data(), cols, w.data()), lowbit::error);
}

TEST_CASE("kernels::quantize rejects a shape mismatch before writing") {
  using S = lowbit::scheme<lowbit::bits<2>, lowbit::per_channel>;
  std::vector<float> x(12, 1.0f);
  const lowbit::matrix_layout<S> l{3, 4};
  std::vector<std::byte> blob(l.total_bytes() + lowbit_kq::guard_bytes, lowbit_kq::sentinel);
  const auto view = lowbit::quantized_view<S>::from_blob(3, 4, blob.data(), blob.size());
  CHECK_THROWS_AS(lowbit::kernels::quantize<S>(x.data(), 4, 3, view), lowbit::error);
  CHECK_THROWS_AS(lowbit::kernels::quantize<S>(nullptr, 3, 4, view), lowbit::error);
  CHECK(untouched(blob));
}
