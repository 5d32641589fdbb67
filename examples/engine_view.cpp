// lowbit example: an inference engine's view of a quantized matrix.
//
// An engine owns its memory: typically one mapping of a weights file. lowbit
// sizes that memory (matrix_layout<S>::total_bytes()), quantizes into it
// through a quantized_view, and later reads it back through a
// const_quantized_view over the same bytes, without copying. The example
//   1. quantizes into one caller-owned 64-byte aligned buffer (the "blob");
//   2. "reloads" it as const bytes, dequantizes the whole matrix and a range
//      of rows, and checks both against an owning quantized_matrix quantized
//      the same way (byte-identical codes, scales and zero points;
//      bit-identical values);
//   3. quantizes through the pointer constructor over three separate arrays;
//   4. shows the lowbit::error raised for a too-small or misaligned buffer, a
//      shape mismatch, and bad input, and that a failed quantize writes nothing.
// It exits 1 on any mismatch or on a missing error.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "lowbit/lowbit.hpp"

namespace {

using namespace lowbit;

// The weights of the example: 4-bit asymmetric, fp16 scale + uint8 zero point per 32 weights.
using S = scheme<asymmetric, bits<4>, per_group<32>, scale<fp16>, zero_point<std::uint8_t>>;

int failures = 0;

void check(bool ok, const char* what) {
  std::printf("  [%s] %s\n", ok ? "ok" : "FAILED", what);
  if (!ok) ++failures;
}

/// Memory as an engine gets it (mmap gives page alignment; 64 bytes is what lowbit's blob layout asks for).
class aligned_buffer {
 public:
  explicit aligned_buffer(std::size_t bytes)
      : bytes_(bytes), data_(static_cast<std::byte*>(::operator new (bytes, std::align_val_t{64}))) {
    std::memset(data_, 0, bytes);
  }
  ~aligned_buffer() { ::operator delete (data_, std::align_val_t{64}); }
  aligned_buffer(const aligned_buffer&) = delete;
  aligned_buffer& operator=(const aligned_buffer&) = delete;
  std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return bytes_; }

 private:
  std::size_t bytes_;
  std::byte* data_;
};

template <class T>
bool same_bytes(const T* a, const T* b, std::size_t count) {
  return count == 0 || std::memcmp(a, b, count * sizeof(T)) == 0;
}

/// Runs f, which must throw a lowbit::error whose message contains `expected`; prints the message.
template <class F>
void expect_error(const char* what, const char* expected, F&& f) {
  try {
    f();
  } catch (const lowbit::error& e) {
    const bool ok = std::string(e.what()).find(expected) != std::string::npos;
    std::printf("  [%s] %s -> lowbit::error: %s\n", ok ? "ok" : "FAILED: unexpected message", what, e.what());
    if (!ok) ++failures;
    return;
  }
  std::printf("  [FAILED] %s: no lowbit::error\n", what);
  ++failures;
}

}  // namespace

int main() {
  // 700 columns: 22 groups of 32 per row, the last one 28 long.
  constexpr std::size_t rows = 96, cols = 700;
  std::vector<float> x(rows * cols);
  std::mt19937_64 engine(7);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  for (float& v : x) v = normal(engine);

  const matrix_layout<S> layout{rows, cols};
  std::printf("lowbit engine view, built for %s\n", xsimd::default_arch::name());
  std::printf("scheme<asymmetric, bits<4>, per_group<32>, scale<fp16>, zero_point<uint8_t>>, %zu x %zu\n", rows, cols);
  std::printf("blob layout: codes %zu bytes at 0, scales %zu bytes at %zu, zero points %zu bytes at %zu: %zu bytes\n\n",
              layout.code_bytes(), layout.scale_bytes(), layout.scales_offset(), layout.zero_point_bytes(),
              layout.zero_points_offset(), layout.total_bytes());

  // 1. Quantize into the caller's buffer.
  std::printf("1. quantize into one caller-owned buffer\n");
  aligned_buffer blob(layout.total_bytes());
  const quantized_view<S> into = quantized_view<S>::from_blob(rows, cols, blob.data(), blob.size());
  lowbit::quantize<S>(x.data(), rows, cols, into);

  // The owning matrix the engine's bytes are compared with.
  const quantized_matrix<S> owned = lowbit::quantize<S>(x.data(), rows, cols);
  std::vector<float> expected(rows * cols);
  lowbit::dequantize<S>(owned, expected.data());

  // 2. Reload the same bytes read-only and dequantize.
  std::printf("2. reload as const bytes, dequantize, compare with an owning quantized_matrix\n");
  const std::byte* mapped = blob.data();
  const const_quantized_view<S> loaded = const_quantized_view<S>::from_blob(rows, cols, mapped, blob.size());
  check(same_bytes(loaded.codes(), owned.codes().data(), layout.code_words()), "codes are byte-identical");
  check(same_bytes(loaded.scales(), owned.scales().data(), layout.params_count()), "scales are byte-identical");
  check(same_bytes(loaded.zero_points(), owned.zero_points().data(), layout.zero_points_count()),
        "zero points are byte-identical");
  std::vector<float> whole(rows * cols);
  lowbit::dequantize<S>(loaded, whole.data());
  check(same_bytes(whole.data(), expected.data(), whole.size()), "whole-matrix dequantize is bit-identical");

  // A range of rows [first, last) is a view of its own (view.rows): its packed
  // rows, and its rows' scales and zero points (a per_tensor scale is shared).
  // This is how an engine hands each of its threads a slice of a matrix.
  constexpr std::size_t first = 40, last = 57;
  const const_quantized_view<S> range = loaded.rows(first, last);
  check(range.scale(0, 3) == loaded.scale(first, 3) && range.zero_point(16, 21) == loaded.zero_point(last - 1, 21),
        "the row range's parameters are those of its rows");
  std::vector<float> part((last - first) * cols);
  lowbit::dequantize<S>(range, part.data());
  check(same_bytes(part.data(), expected.data() + first * cols, part.size()),
        "dequantize of rows [40, 57) equals those rows of the whole matrix");

  // 3. Separate arrays, e.g. tensors of a file format that stores them apart.
  std::printf("3. quantize through the pointer constructor over three separate arrays\n");
  std::vector<std::uint8_t> codes(layout.code_words());
  std::vector<fp16> scales(layout.params_count());
  std::vector<std::uint8_t> zero_points(layout.zero_points_count());
  lowbit::quantize<S>(x.data(), rows, cols,
                      quantized_view<S>(rows, cols, codes.data(), scales.data(), zero_points.data()));
  check(same_bytes(codes.data(), owned.codes().data(), codes.size()) &&
            same_bytes(scales.data(), owned.scales().data(), scales.size()) &&
            same_bytes(zero_points.data(), owned.zero_points().data(), zero_points.size()),
        "separate arrays hold the same bytes");

  // 4. What a bad buffer or bad input gets.
  std::printf("4. errors\n");
  expect_error("buffer one byte too small", "smaller than",
               [&] { (void)quantized_view<S>::from_blob(rows, cols, blob.data(), blob.size() - 1); });
  // Large enough, but starting one byte past a 64-byte boundary: the scales
  // then start at an odd address and fp16 needs 2-byte alignment.
  aligned_buffer shifted(layout.total_bytes() + 1);
  expect_error("buffer misaligned by one byte", "not aligned",
               [&] { (void)const_quantized_view<S>::from_blob(rows, cols, shifted.data() + 1, shifted.size() - 1); });
  expect_error("quantize a 95-row matrix into a 96-row view", "95x700",
               [&] { lowbit::quantize<S>(x.data(), rows - 1, cols, into); });
  expect_error("row range past the end", "outside the 96 rows", [&] { (void)loaded.rows(90, 97); });
  expect_error("dimensions whose sizes overflow", "too large",
               [&] { (void)matrix_layout<S>(std::size_t{1} << 40, std::size_t{1} << 40); });

  // A failed quantize leaves the destination as it was.
  const std::vector<std::byte> before(blob.data(), blob.data() + blob.size());
  std::vector<float> bad = x;
  bad[rows * cols - 1] = std::numeric_limits<float>::quiet_NaN();  // the very last element
  expect_error("NaN in the last element", "NaN", [&] { lowbit::quantize<S>(bad.data(), rows, cols, into); });
  bad = x;
  bad[5 * cols + 3] = 1.0e6f;  // scale (1e6 / 15) exceeds fp16's 65504
  expect_error("a weight whose group scale overflows fp16", "not representable",
               [&] { lowbit::quantize<S>(bad.data(), rows, cols, into); });
  check(same_bytes(before.data(), blob.data(), before.size()), "after the failed calls the buffer is unchanged");

  if (failures != 0) {
    std::printf("\nFAILED: %d check(s)\n", failures);
    return 1;
  }
  std::printf("\nall checks passed\n");
  return 0;
}
