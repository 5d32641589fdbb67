// The public API as an engine meets it:
//  - each test binary runs the ISA level it was built for, and the public
//    entry points run that level's SIMD kernels (LOWBIT_TRACE_KERNELS, which
//    the unit binaries are built with: a public entry point that forwarded to
//    the scalar reference would trace nothing and fail here);
//  - row-range sub-views and per-group parameter accessors;
//  - dequantize of a quantized_matrix, a mutable and a const view, with the
//    scheme deduced; pack_row<S> / unpack_row<S> / unpack_row_int8<S>;
//  - the try_ forms return the message the throwing forms throw.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "lowbit/lowbit.hpp"
#include "lowbit/matmul.hpp"
#include "support/test_data.hpp"

#if !defined(LOWBIT_TRACE_KERNELS)
#error "the unit tests are built with -DLOWBIT_TRACE_KERNELS (see tests/CMakeLists.txt)"
#endif

namespace {
std::map<std::string, std::string>& traced() {
  static std::map<std::string, std::string> calls;  // kernel -> arch of its last call
  return calls;
}
}  // namespace

void lowbit_trace_kernel(const char* kernel, const char* arch) {
  traced()[kernel] = arch;
}

namespace {

using namespace lowbit;

/// The xsimd arch each ISA level of cmake/LowbitIsa.cmake must select.
std::string expected_arch() {
  const std::string level = LOWBIT_ISA_NAME;
  if (level == "sse2") return "sse2";
  if (level == "avx2") return "fma3+avx2";
  if (level == "avx512" || level == "avx512bf16") return "avx512bw";
  return "unknown level " + level;
}

/// rows x cols of N(0, 1) with 0.5 % outliers 20 times larger (support/test_data.hpp).
std::vector<float> weights_like(std::size_t rows, std::size_t cols, std::uint32_t seed) {
  return lowbit_test::make(lowbit_test::pattern::gaussian, rows, cols, seed);
}

template <class T>
bool same_bytes(const T* a, const T* b, std::size_t n) {
  return n == 0 || std::memcmp(a, b, n * sizeof(T)) == 0;
}

}  // namespace

TEST_CASE("public API: the binary runs its ISA level, and the entry points run its SIMD kernels") {
  CHECK(std::string(xsimd::default_arch::name()) == expected_arch());
  using S = scheme<asymmetric, bits<4>, per_group<32>, scale<fp16>>;
  const auto x = weights_like(3, 100, 1);
  traced().clear();
  const quantized_matrix<S> q = lowbit::quantize<S>(x.data(), 3, 100);
  std::vector<float> y(x.size());
  lowbit::dequantize(q, y.data());
  std::vector<std::uint8_t> codes(600, 1), back(600);
  std::vector<std::uint8_t> packed(packed_layout<3, std::uint8_t>::row_words(600));
  lowbit::pack_row<3, std::uint8_t>(codes.data(), codes.size(), packed.data());
  lowbit::unpack_row<3, std::uint8_t>(packed.data(), codes.size(), back.data());
  std::vector<std::int8_t> levels(600);
  lowbit::unpack_row_int8<S>(q.view().row_codes(0), 100, levels.data());
  std::vector<fp16> h(x.size());
  lowbit::convert(x.data(), x.size(), h.data());
  std::vector<float> act(100, 0.5f), out(3);
  lowbit::gemv<path::floating>(q, act.data(), out.data());
  lowbit::gemm<path::int8_dot>(q, act.data(), 1, out.data(), threads{2});
  const prepacked_matrix<S> p = lowbit::prepack(q);
  lowbit::gemv<path::floating>(p, act.data(), out.data());
  lowbit::gemm<path::int8_dot>(p, act.data(), 1, out.data(), threads{2});
  CHECK(lowbit::unprepack(p).codes() == q.codes());
  for (const char* kernel :
       {"quantize", "dequantize", "pack_row", "unpack_row", "unpack_row_int8", "convert", "gemm_floating",
        "gemm_int8_dot", "prepack", "unprepack", "gemm_prepacked_floating", "gemm_prepacked_int8_dot"}) {
    CAPTURE(kernel);
    REQUIRE(traced().count(kernel) == 1);
    CHECK(traced()[kernel] == expected_arch());
  }
  // The reference is not a kernel: it traces nothing.
  traced().clear();
  (void)lowbit::reference::quantize<S>(x.data(), 3, 100);
  lowbit::reference::gemm<path::int8_dot>(q.view(), act.data(), 1, out.data());
  CHECK(traced().empty());
}

TEST_CASE("public API: row ranges are views of their own, with their parameters") {
  using G = scheme<asymmetric, bits<3>, per_group<16>, scale<bf16>, code_word<std::uint32_t>>;
  using C = scheme<bits<5>, per_channel, scale<fp16>, code_word<std::uint16_t>>;
  using T = scheme<asymmetric, bits<4>, per_tensor, zero_point<fp16>>;
  const std::size_t rows = 9, cols = 1000;
  const auto x = weights_like(rows, cols, 2);
  auto check_ranges = [&](auto tag) {
    using S = decltype(tag);
    quantized_matrix<S> q = lowbit::quantize<S>(x.data(), rows, cols);
    std::vector<float> whole(rows * cols);
    lowbit::dequantize(q, whole.data());
    for (auto [r0, r1] : {std::pair<std::size_t, std::size_t>{0, 9}, {0, 1}, {3, 7}, {8, 9}, {4, 4}}) {
      CAPTURE(r0);
      CAPTURE(r1);
      const const_quantized_view<S> part = q.rows(r0, r1);
      REQUIRE(part.rows() == r1 - r0);
      REQUIRE(part.cols() == cols);
      for (std::size_t r = 0; r < part.rows(); ++r)
        for (std::size_t g = 0; g < part.layout().groups_per_row(); ++g) {
          CHECK(part.scale(r, g) == q.scale(r0 + r, g));
          if constexpr (S::has_zero_point) CHECK(part.zero_point(r, g) == q.zero_point(r0 + r, g));
        }
      std::vector<float> y(part.rows() * cols, -1.0f);
      lowbit::dequantize(part, y.data());
      CHECK(same_bytes(y.data(), whole.data() + r0 * cols, y.size()));
      // Quantizing into a row range of a second matrix writes those rows' bytes
      // (per_tensor: one call covers the matrix, see quantize_options::row_offset).
      if constexpr (S::granularity != granularity_kind::tensor) {
        quantized_matrix<S> q2(rows, cols);
        quantized_view<S> into = q2.view().rows(r0, r1);
        lowbit::quantize<S>(x.data() + r0 * cols, r1 - r0, cols, into, {.seed = 0, .row_offset = r0});
        CHECK(same_bytes(into.codes(), part.codes(), part.layout().code_words()));
        CHECK(same_bytes(into.scales(), part.scales(), part.layout().params_count()));
      }
    }
  };
  check_ranges(G{});
  check_ranges(C{});
  check_ranges(T{});
}

TEST_CASE("public API: dequantize takes a matrix, a mutable or a const view; pack/unpack take a scheme") {
  using S = scheme<bits<6>, per_group<64>, scale<fp16>, code_word<std::uint64_t>>;
  const std::size_t rows = 4, cols = 333;
  const auto x = weights_like(rows, cols, 3);
  quantized_matrix<S> q = lowbit::quantize<S>(x.data(), rows, cols);
  std::vector<float> a(rows * cols), b(rows * cols), c(rows * cols), d(rows * cols);
  lowbit::dequantize(q, a.data());                        // quantized_matrix
  lowbit::dequantize(q.view(), b.data());                 // mutable view
  lowbit::dequantize(std::as_const(q).view(), c.data());  // const view
  CHECK(lowbit::try_dequantize(q.view().rows(0, rows), d.data()).ok());
  CHECK(same_bytes(a.data(), b.data(), a.size()));
  CHECK(same_bytes(a.data(), c.data(), a.size()));
  CHECK(same_bytes(a.data(), d.data(), a.size()));

  std::vector<std::uint8_t> codes(cols), back(cols);
  lowbit::unpack_row<S>(q.view().row_codes(1), cols, codes.data());
  std::vector<std::uint64_t> words(packed_layout<6, std::uint64_t>::row_words(cols));
  lowbit::pack_row<S>(codes.data(), cols, words.data());
  CHECK(same_bytes(words.data(), q.view().row_codes(1), words.size()));
  lowbit::unpack_row<S>(words.data(), cols, back.data());
  CHECK(codes == back);
  codes[17] = 64;  // does not fit in 6 bits
  const status st = lowbit::try_pack_row<S>(codes.data(), cols, words.data());
  CHECK(st.message() == "lowbit: pack: code 64 at index 17 does not fit in 6 bits");
  CHECK_THROWS_WITH_AS(lowbit::pack_row<S>(codes.data(), cols, words.data()), st.message().c_str(), lowbit::error);
}

TEST_CASE("public API: the try_ forms return exactly what the throwing forms throw") {
  using S = scheme<asymmetric, bits<4>, per_group<32>, scale<fp16>>;
  const std::size_t rows = 3, cols = 64;
  auto x = weights_like(rows, cols, 4);
  quantized_matrix<S> q(rows, cols);
  auto message_of = [](auto&& call) -> std::string {
    try {
      call();
    } catch (const lowbit::error& e) {
      return e.what();
    }
    return "";
  };
  x[70] = std::numeric_limits<float>::quiet_NaN();
  CHECK(lowbit::try_quantize<S>(x.data(), rows, cols, q.view()).message() ==
        message_of([&] { lowbit::quantize<S>(x.data(), rows, cols, q.view()); }));
  CHECK(lowbit::try_quantize<S>(x.data(), rows, cols, q.view()).message() ==
        "lowbit: quantize: NaN at row 1, column 6; nothing was written");
  x[70] = 1.0e6f;  // scale 1e6 / 15 does not fit fp16
  const status big = lowbit::try_quantize<S>(x.data(), rows, cols, q.view());
  CHECK(big.message().find("is not representable in fp16") != std::string::npos);
  CHECK(big.message() == message_of([&] { lowbit::quantize<S>(x.data(), rows, cols, q.view()); }));
  CHECK(lowbit::try_quantize<S>(x.data(), rows + 1, cols, q.view()).message() ==
        message_of([&] { lowbit::quantize<S>(x.data(), rows + 1, cols, q.view()); }));
  CHECK(lowbit::try_dequantize(q, nullptr).message() == message_of([&] { lowbit::dequantize(q, nullptr); }));
  fp16 h[4];
  CHECK(lowbit::try_convert(static_cast<const float*>(nullptr), 4, h).message() ==
        "lowbit: convert (fp32 -> fp16): input pointer is null");
  CHECK(lowbit::try_convert(x.data(), 0, h).ok());
}

TEST_CASE("public API: a refusal in a later block of rows leaves the whole destination as it was") {
  // 96 x 2048 fp32 is 768 KiB, three blocks of kernels::quantize_block_bytes:
  // the first blocks are written before the refusal in the last is found.
  static_assert(kernels::quantize_block_bytes == 256 * 1024);
  auto check = [](auto tag, std::size_t bad_row, float bad_value, const char* expected) {
    using S = decltype(tag);
    const std::size_t rows = 96, cols = 2048;
    auto x = weights_like(rows, cols, 5);
    quantized_matrix<S> q(rows, cols);
    auto v = q.view();
    const matrix_layout<S>& l = q.layout();
    std::memset(v.codes(), 0x5A, l.code_bytes());
    std::memset(static_cast<void*>(v.scales()), 0x5A, l.scale_bytes());
    if constexpr (S::has_zero_point) std::memset(static_cast<void*>(v.zero_points()), 0x5A, l.zero_point_bytes());
    const quantized_matrix<S> before = q;
    x[bad_row * cols + 1000] = bad_value;
    const status st = lowbit::try_quantize<S>(x.data(), rows, cols, v);
    CAPTURE(st.message());
    CHECK(st.message().find(expected) != std::string::npos);
    CHECK(q.codes() == before.codes());
    CHECK(same_bytes(q.scales().data(), before.scales().data(), q.scales().size()));
    if constexpr (S::has_zero_point) CHECK(q.zero_points() == before.zero_points());
    // The same input without the bad element quantizes to what the reference writes.
    x[bad_row * cols + 1000] = 0.0f;
    REQUIRE(lowbit::try_quantize<S>(x.data(), rows, cols, v).ok());
    const quantized_matrix<S> expected_q = lowbit::reference::quantize<S>(x.data(), rows, cols);
    CHECK(q.codes() == expected_q.codes());
    CHECK(same_bytes(q.scales().data(), expected_q.scales().data(), q.scales().size()));
  };
  using G = scheme<asymmetric, bits<4>, per_group<32>, scale<fp16>>;
  using C = scheme<bits<3>, per_channel, scale<fp16>, code_word<std::uint32_t>>;
  check(G{}, 95, std::numeric_limits<float>::quiet_NaN(), "NaN at row 95, column 1000");
  check(G{}, 70, 1.0e6f, "of row 70, group 31 is not representable in fp16");
  check(C{}, 64, -std::numeric_limits<float>::infinity(), "Inf at row 64, column 1000");
  check(C{}, 33, 3.0e5f, "of row 33, group 0 is not representable in fp16");
}

TEST_CASE("public API: dequantize of a large matrix (non-temporal stores) equals the reference") {
  // 1024 x 2049 fp32 is just over kernels::dequantize_streaming_bytes; the
  // output starts 4 bytes past a 64-byte boundary, so every row has a head, a
  // streamed body and a tail; guard values around it must survive.
  using S = scheme<asymmetric, bits<5>, per_group<64>, scale<bf16>, zero_point<fp16>>;
  const std::size_t rows = 1024, cols = 2049;
  static_assert(rows * cols * sizeof(float) >= kernels::dequantize_streaming_bytes);
  const auto x = weights_like(rows, cols, 6);
  const quantized_matrix<S> q = lowbit::quantize<S>(x.data(), rows, cols);
  std::vector<float> storage(rows * cols + 32, -7.0f);
  float* out = storage.data() + (16 - reinterpret_cast<std::uintptr_t>(storage.data()) % 64 / 4) % 16 + 1;
  lowbit::dequantize(q, out);
  std::vector<float> expected(rows * cols);
  lowbit::reference::dequantize<S>(q, expected.data());
  CHECK(same_bytes(out, expected.data(), expected.size()));
  CHECK(out[-1] == -7.0f);
  CHECK(out[rows * cols] == -7.0f);
}

TEST_CASE("public API: a matrix argument receives the result; a per_tensor row range cannot be quantized") {
  using S = scheme<asymmetric, bits<4>, per_group<32>>;
  const auto x = weights_like(6, 64, 7);
  quantized_matrix<S> m(2, 10);  // any shape: replaced
  REQUIRE(lowbit::try_quantize<S>(x.data(), 6, 64, m).ok());
  CHECK(m.rows() == 6);
  CHECK(m.cols() == 64);
  const quantized_matrix<S> expected = lowbit::reference::quantize<S>(x.data(), 6, 64);
  CHECK(m.codes() == expected.codes());
  const auto* storage = m.codes().data();
  lowbit::quantize<S>(x.data(), 6, 64, m);  // same shape: the storage is reused
  CHECK(m.codes().data() == storage);
  CHECK(m.codes() == expected.codes());

  using T = scheme<bits<4>, per_tensor>;
  quantized_matrix<T> t(6, 64);
  CHECK(lowbit::try_quantize<T>(x.data(), 6, 64, t.view().rows(0, 6)).ok());  // all rows: fine
  const status st = lowbit::try_quantize<T>(x.data(), 3, 64, t.view().rows(3, 6));
  CHECK(st.message() ==
        "lowbit: quantize: a per_tensor scheme has one scale for the whole matrix; quantize all its rows in one call, "
        "not a row range of it");
  std::vector<float> y(3 * 64);
  CHECK(lowbit::try_dequantize(t.view().rows(3, 6), y.data()).ok());  // reading a range is fine
}
