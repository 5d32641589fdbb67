// The checks of test_kernels_quantize.hpp, compiled once per binary: one
// scheme's kernel quantize / dequantize (behind the function pointers of a
// scheme_under_test) against the reference, byte for byte, on random and
// adversarial data (tests/support/test_data.hpp), NaN / Inf, empty shapes and
// random code words. No TEST_CASE here: the test_kernels_quantize_*.cpp files
// hold them.
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "test_kernels_quantize.hpp"

namespace lowbit_kq {

std::string scheme_name(int bits, bool symmetric, const char* zero_point, int granularity, std::size_t group_size,
                        const char* scale, std::size_t word_bytes, bool stochastic) {
  std::ostringstream s;
  s << "bits<" << bits << ">";
  if (symmetric)
    s << " symmetric";
  else
    s << " asymmetric zero_point<" << zero_point << ">";
  switch (static_cast<lowbit::granularity_kind>(granularity)) {
    case lowbit::granularity_kind::tensor:
      s << " per_tensor";
      break;
    case lowbit::granularity_kind::channel:
      s << " per_channel";
      break;
    case lowbit::granularity_kind::group:
      s << " per_group<" << group_size << ">";
      break;
  }
  s << " scale<" << scale << "> code_word<uint" << 8 * word_bytes << "_t> "
    << (stochastic ? "stochastic_rounding" : "round_to_nearest_even");
  return s.str();
}

namespace {

using lowbit_test::pattern;

struct shape {
  std::size_t rows, cols;
};
// A single element; a row of one group of 32 and a short one; 19 rows
// (per_channel: a register of 16 groups and a tail); rows across a 512-code
// block edge; whole blocks; a one-code last block; 40 rows (more per_channel
// groups than two AVX-512 registers hold); a long single row.
constexpr shape shapes[] = {{1, 1}, {3, 37}, {19, 67}, {2, 1000}, {5, 512}, {4, 1537}, {40, 96}, {1, 4100}};
constexpr std::uint64_t quantize_seed = 0x0123456789abcdefull;

std::size_t first_difference(const void* a, const void* b, std::size_t n) {
  const auto* pa = static_cast<const unsigned char*>(a);
  const auto* pb = static_cast<const unsigned char*>(b);
  for (std::size_t i = 0; i < n; ++i)
    if (pa[i] != pb[i]) return i;
  return n;
}

bool all_sentinel(const std::byte* b, std::size_t n) {
  return std::all_of(b, b + n, [](std::byte x) { return x == sentinel; });
}

/// Names byte `at` of a blob: which array, which element.
std::string where_in_blob(const blob_layout& l, std::size_t rows, std::size_t at) {
  std::ostringstream s;
  if (at < l.code_bytes) {
    const std::size_t row_bytes = l.code_bytes / rows;
    s << "codes byte " << at << " (row " << at / row_bytes << ", byte " << at % row_bytes << " of the row)";
  } else if (at >= l.scales_offset && at < l.scales_offset + l.scale_bytes) {
    const std::size_t size = l.scale_bytes / l.params_count;
    s << "scales[" << (at - l.scales_offset) / size << "] byte " << (at - l.scales_offset) % size;
  } else if (at >= l.zero_points_offset && at < l.zero_points_offset + l.zero_point_bytes) {
    const std::size_t size = l.zero_point_bytes / l.params_count;
    s << "zero_points[" << (at - l.zero_points_offset) / size << "] byte " << (at - l.zero_points_offset) % size;
  } else if (at >= l.total_bytes) {
    s << "guard byte " << at - l.total_bytes << " past the blob";
  } else {
    s << "padding byte " << at;
  }
  return s.str();
}

std::string hex(std::byte b) {
  const char* digits = "0123456789abcdef";
  const auto v = std::to_integer<unsigned>(b);
  return std::string("0x") + digits[v >> 4] + digits[v & 15];
}

/// Runs the checks of one scheme. Each returns false after reporting the
/// first mismatch (FAIL_CHECK), so that the caller stops this scheme's battery.
class scheme_checker {
 public:
  explicit scheme_checker(const scheme_under_test& s) : s_(s) {}

  /// Quantizes x with the reference and the kernel: the same bytes (guards
  /// untouched), or the same error with nothing written; then dequantizes the
  /// reference's blob both ways: the same float bits, guard floats untouched.
  bool quantize_matches(const std::vector<float>& x, std::size_t rows, std::size_t cols, std::uint64_t seed,
                        const std::string& what) {
    const quantize_outcome ref = s_.quantize_reference(x.data(), rows, cols, seed);
    const quantize_outcome ker = s_.quantize_kernel(x.data(), rows, cols, seed);
    if (ker.error != ref.error)
      return fail(what, rows, cols, seed, "reference error \"" + ref.error + "\", kernel error \"" + ker.error + "\"");
    if (!ref.error.empty()) {
      if (!all_sentinel(ref.blob.data(), ref.blob.size()))
        return fail(what, rows, cols, seed, "the reference threw \"" + ref.error + "\" but wrote to the blob");
      if (!all_sentinel(ker.blob.data(), ker.blob.size())) {
        const std::size_t at = first_difference(ref.blob.data(), ker.blob.data(), ref.blob.size());
        return fail(what, rows, cols, seed,
                    "the kernel threw \"" + ker.error + "\" but wrote " + where_in_blob(layout(rows, cols), rows, at));
      }
      ++refused_;
      return true;
    }
    const blob_layout l = layout(rows, cols);
    if (ref.blob.size() != ker.blob.size() || ref.blob.size() != l.total_bytes + guard_bytes)
      return fail(what, rows, cols, seed, "blob sizes differ");
    if (!all_sentinel(ref.blob.data() + l.total_bytes, guard_bytes))
      return fail(what, rows, cols, seed, "the reference wrote past the blob");
    if (l.params_count > 0 && all_sentinel(ref.blob.data() + l.scales_offset, l.scale_bytes))
      return fail(what, rows, cols, seed, "the reference wrote no scale");
    const std::size_t at = first_difference(ref.blob.data(), ker.blob.data(), ref.blob.size());
    if (at != ref.blob.size())
      return fail(what, rows, cols, seed,
                  "quantize: first differing byte is " + where_in_blob(l, rows, at) + ": reference " +
                      hex(ref.blob[at]) + ", kernel " + hex(ker.blob[at]) + " (blob of " +
                      std::to_string(ref.blob.size()) + " bytes)");
    ++quantized_;
    return dequantize_matches(ref.blob, rows, cols, seed, what);
  }

  /// Dequantizes `blob` with the reference and the kernel: the same float bits.
  bool dequantize_matches(const std::vector<std::byte>& blob, std::size_t rows, std::size_t cols, std::uint64_t seed,
                          const std::string& what) {
    const std::vector<float> ref = s_.dequantize_reference(blob, rows, cols);
    const std::vector<float> ker = s_.dequantize_kernel(blob, rows, cols);
    const std::size_t n = rows * cols;
    if (ref.size() != n + guard_floats || ker.size() != ref.size())
      return fail(what, rows, cols, seed, "dequantize: output sizes differ");
    for (std::size_t i = n; i < ref.size(); ++i)
      if (std::bit_cast<std::uint32_t>(ref[i]) != std::bit_cast<std::uint32_t>(guard_float) ||
          std::bit_cast<std::uint32_t>(ker[i]) != std::bit_cast<std::uint32_t>(guard_float))
        return fail(what, rows, cols, seed, "dequantize wrote past the output");
    const std::size_t at = first_difference(ref.data(), ker.data(), n * sizeof(float)) / sizeof(float);
    if (at != n) {
      std::ostringstream s;
      s.precision(9);
      s << "dequantize: first differing float is element " << at << " (row " << at / cols << ", column " << at % cols
        << "): reference " << ref[at] << " (0x" << std::hex << std::bit_cast<std::uint32_t>(ref[at]) << "), kernel "
        << std::dec << ker[at] << " (0x" << std::hex << std::bit_cast<std::uint32_t>(ker[at]) << ")";
      return fail(what, rows, cols, seed, s.str());
    }
    ++dequantized_;
    return true;
  }

  blob_layout layout(std::size_t rows, std::size_t cols) const { return s_.layout(rows, cols); }
  const scheme_under_test& scheme() const { return s_; }
  std::size_t quantized() const { return quantized_; }
  std::size_t refused() const { return refused_; }
  std::size_t dequantized() const { return dequantized_; }

  bool fail(const std::string& what, std::size_t rows, std::size_t cols, std::uint64_t seed,
            const std::string& message) {
    std::ostringstream s;
    s << s_.name << ", " << what << ", " << rows << "x" << cols << ", quantize seed 0x" << std::hex << seed << ": "
      << message;
    FAIL_CHECK(s.str());
    return false;
  }

 private:
  const scheme_under_test& s_;
  std::size_t quantized_ = 0, refused_ = 0, dequantized_ = 0;
};

/// Whether the reference must refuse (1) or accept (0) pattern p on a matrix
/// of at least 37 elements, or -1 if that depends on the scheme's other
/// policies. Refusals must be seen for the error paths to be compared.
int expected_refusal(const scheme_under_test& s, pattern p) {
  switch (p) {
    case pattern::beyond_fp16:
    case pattern::huge:
      return s.fp16_scale || s.fp16_offset ? 1 : 0;
    case pattern::late_fp16_overflow:
      return s.fp16_scale ? 1 : 0;
    case pattern::near_float_max:
      return -1;
    default:  // within fp16's range: all but a 1-bit asymmetric grid over near_fp16_max with fp16 scales
      return p == pattern::near_fp16_max && s.fp16_scale ? -1 : 0;
  }
}

std::vector<float> with_value_at(std::vector<float> x, std::size_t at, float v) {
  x[at] = v;
  return x;
}

/// Every pattern on every shape, with runs of the group length (each group
/// one run) and, for the run patterns, runs of 5 too (groups that are not single runs).
bool check_patterns(scheme_checker& c, std::uint32_t& data_seed) {
  const scheme_under_test& s = c.scheme();
  std::vector<pattern> patterns(std::begin(lowbit_test::all_patterns), std::end(lowbit_test::all_patterns));
  patterns.insert(patterns.end(), std::begin(lowbit_test::overflow_patterns), std::end(lowbit_test::overflow_patterns));
  for (const shape sh : shapes) {
    const std::size_t group_run = s.group_length != 0 ? s.group_length : sh.cols;
    for (const pattern p : patterns) {
      std::vector<std::size_t> runs{group_run};
      if ((p == pattern::constant_groups || p == pattern::mixed_groups)) runs.push_back(5);
      for (const std::size_t run : runs) {
        const auto x = lowbit_test::make(p, sh.rows, sh.cols, data_seed++, run);
        const std::string what = std::string(lowbit_test::name(p)) + " data (seed " + std::to_string(data_seed - 1) +
                                 ", runs of " + std::to_string(run) + ")";
        const std::size_t refused_before = c.refused();
        if (!c.quantize_matches(x, sh.rows, sh.cols, quantize_seed, what)) return false;
        const int expected = sh.rows * sh.cols >= 37 ? expected_refusal(s, p) : -1;
        const bool refused = c.refused() != refused_before;
        if (expected != -1 && refused != (expected == 1))
          return c.fail(what, sh.rows, sh.cols, quantize_seed,
                        refused ? "the reference refused it" : "the reference accepted it");
      }
    }
  }
  // Other quantize seeds (they matter to stochastic rounding), one with only high bits.
  for (const std::uint64_t seed : {std::uint64_t{1}, std::uint64_t{1} << 40}) {
    const auto x = lowbit_test::make(pattern::gaussian, 4, 1537, data_seed++);
    if (!c.quantize_matches(x, 4, 1537, seed, "gaussian data (seed " + std::to_string(data_seed - 1) + ")"))
      return false;
  }
  const std::vector<float> none;
  return c.quantize_matches(none, 0, 9, quantize_seed, "0 rows") &&
         c.quantize_matches(none, 9, 0, quantize_seed, "0 cols");
}

/// NaN, +Inf, -Inf at several positions: the same error (which names the
/// first one), nothing written.
bool check_non_finite(scheme_checker& c) {
  const std::size_t rows = 3, cols = 77;
  const auto x = lowbit_test::make(pattern::gaussian, rows, cols, 5);
  const float bad_values[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity()};
  const std::size_t positions[] = {0, 1, 16, 40, cols - 1, cols, 2 * cols + 50, rows * cols - 1};
  for (const float bad : bad_values) {
    for (const std::size_t at : positions) {
      const std::string what = std::to_string(bad) + " at element " + std::to_string(at) + " of gaussian data";
      const std::size_t refused_before = c.refused();
      if (!c.quantize_matches(with_value_at(x, at, bad), rows, cols, quantize_seed, what)) return false;
      if (c.refused() == refused_before) return c.fail(what, rows, cols, quantize_seed, "the reference accepted it");
    }
  }
  return true;
}

/// Random code words (every bit pattern, padding included) with the stored
/// parameters of a real quantization: dequantize must match the reference.
bool check_random_codes(scheme_checker& c, std::size_t rows, std::size_t cols, std::uint32_t seed) {
  const auto x = lowbit_test::make(pattern::mixed_signs, rows, cols, seed);
  const scheme_under_test& s = c.scheme();
  auto q = s.quantize_reference(x.data(), rows, cols, 0);
  if (!q.error.empty()) return c.fail("mixed_signs data", rows, cols, 0, "the reference refused it: " + q.error);
  std::mt19937 rng(seed);
  const blob_layout l = c.layout(rows, cols);
  for (std::size_t i = 0; i < l.code_bytes; ++i) q.blob[i] = static_cast<std::byte>(rng());
  return c.dequantize_matches(q.blob, rows, cols, 0, "random code words (seed " + std::to_string(seed) + ")");
}

void check_scheme(const scheme_under_test& s) {
  scheme_checker c(s);
  std::uint32_t data_seed = 11;
  const bool passed = check_patterns(c, data_seed) && check_non_finite(c) &&
                      check_random_codes(c, 3, 1100, data_seed++) && check_random_codes(c, 19, 67, data_seed++);
  if (!passed) return;  // reported
  // The battery compared quantized bytes, refusals and dequantized floats.
  INFO(s.name);
  CHECK(c.quantized() > 0);
  CHECK(c.refused() > 0);
  CHECK(c.dequantized() > c.quantized());
}

}  // namespace

void check_schemes(const std::vector<scheme_under_test>& schemes) {
  REQUIRE(!schemes.empty());
  for (const scheme_under_test& s : schemes) check_scheme(s);
}

}  // namespace lowbit_kq
