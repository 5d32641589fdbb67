// lowbit demo: quantize an LLM-like weight matrix with ~20 schemes and print,
// for each, the storage cost (bits per weight, compression vs fp32), the error
// (RMSE, SQNR, max |error|) and a rough quantize / dequantize throughput.
//
//   lowbit_demo [--rows R] [--cols C] [--seed S] [--min-reps N]
//
// Defaults: 1024 x 4096 (one projection of a small LLM), seed 42, best of >= 3
// repetitions. Built with -O3 -march=native (see examples/CMakeLists.txt): it
// shows what this machine does. The throughputs are rough single-shot timings;
// the Google Benchmark binaries (bench.<isa>) are the measurement.
//
// Every scheme is also checked against the scalar reference (lowbit::reference)
// on the first rows of the matrix: the codes, scales and zero points must be
// byte-identical and the dequantized values bit-identical, otherwise the demo
// exits 1.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "lowbit/lowbit.hpp"

namespace {

using namespace lowbit;

// ------------------------------------------------------------------ the data

/// The demo's weight distribution, row r = output channel, column c = input channel:
///
///   w[r][c] = sigma_r * g                   g ~ N(0, 1)               (the bulk)
///   w[r][c] = sigma_r * outlier_gain * l    l ~ Laplace, unit variance (outlier input channels)
///   sigma_r = 0.02 * exp(0.25 * h_r)        h_r ~ N(0, 1)             (per-row spread)
///
/// The outlier channels are cols / 512 (at least 1) columns picked at random:
/// 8 of 4096, about 0.2%, as in the few "massive" input features of LLM
/// layers. They set the range of every row, which is what per_tensor and
/// per_channel scales suffer from and per_group scales contain.
/// The generator is std::mt19937_64 (its output is fixed by the standard) with
/// our own Box-Muller and inverse-CDF transforms, so a seed gives the same
/// matrix with every standard library.
struct weight_matrix {
  std::size_t rows = 0, cols = 0;
  std::vector<float> values;
  std::vector<std::size_t> outlier_columns;
};

constexpr double outlier_gain = 5.0;

class rng {
 public:
  explicit rng(std::uint64_t seed) : engine_(seed) {}
  /// Uniform in [0, 1) on a 2^-53 grid.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1p-53; }
  double gaussian() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    constexpr double two_pi = 6.283185307179586;
    spare_ = radius * std::sin(two_pi * u2);
    has_spare_ = true;
    return radius * std::cos(two_pi * u2);
  }
  /// Laplace with unit variance (scale 1/sqrt(2)).
  double laplace() {
    const double u = uniform() - 0.5;  // [-0.5, 0.5)
    const double magnitude = -std::log(1.0 - 2.0 * std::fabs(u)) / std::sqrt(2.0);
    return u < 0 ? -magnitude : magnitude;
  }
  std::uint64_t next() { return engine_(); }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

weight_matrix make_weights(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  weight_matrix w;
  w.rows = rows;
  w.cols = cols;
  w.values.resize(rows * cols);
  rng g(seed);
  std::vector<bool> is_outlier(cols, false);
  const std::size_t outliers = std::min(cols, std::max<std::size_t>(1, cols / 512));
  while (w.outlier_columns.size() < outliers) {
    const std::size_t c = static_cast<std::size_t>(g.next() % cols);
    if (!is_outlier[c]) {
      is_outlier[c] = true;
      w.outlier_columns.push_back(c);
    }
  }
  std::sort(w.outlier_columns.begin(), w.outlier_columns.end());
  for (std::size_t r = 0; r < rows; ++r) {
    const double sigma = 0.02 * std::exp(0.25 * g.gaussian());
    for (std::size_t c = 0; c < cols; ++c)
      w.values[r * cols + c] =
          static_cast<float>(is_outlier[c] ? sigma * outlier_gain * g.laplace() : sigma * g.gaussian());
  }
  return w;
}

// ------------------------------------------------------------------ scheme names

template <class T>
std::string storage_name() {
  if constexpr (std::is_integral_v<T>)
    return "u" + std::to_string(8 * sizeof(T));
  else
    return float_storage<T>::name;
}

/// e.g. "asym b4 group<32> fp16 z:u8" (z: integer zero point, m: float offset).
template <Scheme S>
std::string scheme_name() {
  std::string n = S::is_symmetric ? "sym  " : "asym ";
  n += "b" + std::to_string(S::bits) + " ";
  if constexpr (S::granularity == granularity_kind::tensor)
    n += "tensor";
  else if constexpr (S::granularity == granularity_kind::channel)
    n += "channel";
  else
    n += "group<" + std::to_string(S::group_size) + ">";
  n += " " + storage_name<typename S::scale_type>();
  if constexpr (S::has_integer_zero_point) n += " z:" + storage_name<typename S::zero_point_type>();
  if constexpr (S::has_float_offset) n += " m:" + storage_name<typename S::zero_point_type>();
  if constexpr (S::is_stochastic) n += " stochastic";
  return n;
}

// ------------------------------------------------------------------ the schemes

template <class... Ss>
struct scheme_list {};

// clang-format off
using demo_schemes = scheme_list<
    // 8 bits: granularity matters little, except for outliers
    scheme<symmetric,  bits<8>, per_tensor>,
    scheme<symmetric,  bits<8>, per_channel>,
    scheme<asymmetric, bits<8>, per_channel, zero_point<std::uint8_t>>,
    scheme<symmetric,  bits<8>, per_group<128>, scale<fp16>>,
    // 7, 6, 5 bits
    scheme<symmetric,  bits<7>, per_channel>,
    scheme<symmetric,  bits<6>, per_group<32>, scale<fp16>>,
    scheme<symmetric,  bits<5>, per_group<32>, scale<fp16>>,
    scheme<asymmetric, bits<5>, per_group<32>, scale<fp16>, zero_point<fp16>>,
    // 4 bits: granularity, scale type, zero point kind, rounding
    scheme<symmetric,  bits<4>, per_tensor>,
    scheme<symmetric,  bits<4>, per_channel>,
    scheme<symmetric,  bits<4>, per_group<128>, scale<fp16>>,
    scheme<symmetric,  bits<4>, per_group<32>, scale<float>>,
    scheme<symmetric,  bits<4>, per_group<32>, scale<fp16>>,
    scheme<symmetric,  bits<4>, per_group<32>, scale<bf16>>,
    scheme<symmetric,  bits<4>, per_group<32>, scale<fp16>, stochastic_rounding>,
    scheme<asymmetric, bits<4>, per_group<128>, scale<fp16>, zero_point<std::uint8_t>>,
    scheme<asymmetric, bits<4>, per_group<32>, scale<fp16>, zero_point<std::uint8_t>>,
    scheme<asymmetric, bits<4>, per_group<32>, scale<fp16>, zero_point<fp16>>,
    // 3 and 2 bits
    scheme<symmetric,  bits<3>, per_group<32>, scale<fp16>>,
    scheme<asymmetric, bits<3>, per_group<32>, scale<fp16>, zero_point<fp16>>,
    scheme<symmetric,  bits<2>, per_group<32>, scale<fp16>>,
    scheme<asymmetric, bits<2>, per_group<32>, scale<fp16>, zero_point<fp16>>,
    scheme<asymmetric, bits<2>, per_group<128>, scale<bf16>, zero_point<std::uint8_t>>>;
// clang-format on

// ------------------------------------------------------------------ measuring

struct run_settings {
  int min_reps = 3;
  double budget_seconds = 0.05;  // per measurement, after min_reps
  int max_reps = 50;
  std::size_t check_rows = 32;  // rows compared against the reference
};

/// Best (smallest) wall time of f over at least min_reps runs, after one warm-up.
template <class F>
double best_seconds(F&& f, const run_settings& s) {
  using clock = std::chrono::steady_clock;
  f();
  double best = std::numeric_limits<double>::infinity(), total = 0.0;
  for (int rep = 0; rep < s.max_reps && (rep < s.min_reps || total < s.budget_seconds); ++rep) {
    const auto t0 = clock::now();
    f();
    const double dt = std::chrono::duration<double>(clock::now() - t0).count();
    best = std::min(best, dt);
    total += dt;
  }
  return best;
}

template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

/// lowbit::quantize / dequantize against the scalar reference on the first rows.
template <Scheme S>
bool matches_reference(const weight_matrix& w, std::size_t rows) {
  const float* x = w.values.data();
  const quantized_matrix<S> q = lowbit::quantize<S>(x, rows, w.cols);
  const quantized_matrix<S> q_ref = reference::quantize<S>(x, rows, w.cols);
  if (!same_bytes(q.codes(), q_ref.codes()) || !same_bytes(q.scales(), q_ref.scales())) return false;
  if constexpr (S::has_zero_point)
    if (!same_bytes(q.zero_points(), q_ref.zero_points())) return false;
  std::vector<float> out(rows * w.cols), out_ref(rows * w.cols);
  lowbit::dequantize<S>(q, out.data());
  reference::dequantize<S>(q, out_ref.data());
  return same_bytes(out, out_ref);
}

struct error_stats {
  double rmse = 0.0, sqnr_db = 0.0, max_abs = 0.0;
};

error_stats measure_error(const std::vector<float>& x, const std::vector<float>& x_hat) {
  double signal = 0.0, noise = 0.0, max_abs = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double e = static_cast<double>(x[i]) - static_cast<double>(x_hat[i]);
    signal += static_cast<double>(x[i]) * static_cast<double>(x[i]);
    noise += e * e;
    max_abs = std::max(max_abs, std::fabs(e));
  }
  error_stats s;
  s.rmse = std::sqrt(noise / static_cast<double>(x.size()));
  // SQNR = 10 log10(sum x^2 / sum (x - x^)^2); a lossless result prints as inf.
  s.sqnr_db = noise > 0.0 ? 10.0 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
  s.max_abs = max_abs;
  return s;
}

constexpr const char* row_format = "%-34s %7.3f %6.2fx %10.3e %8.2f %10.3e %9.2f %9.2f  %s\n";
constexpr const char* head_format = "%-34s %7s %7s %10s %8s %10s %9s %9s  %s\n";

template <Scheme S>
bool run_scheme(const weight_matrix& w, std::vector<float>& x_hat, const run_settings& s) {
  const matrix_layout<S> layout{w.rows, w.cols};
  quantized_matrix<S> q(w.rows, w.cols);
  const float* x = w.values.data();

  const double t_quantize = best_seconds([&] { lowbit::quantize<S>(x, w.rows, w.cols, q.view()); }, s);
  const double t_dequantize = best_seconds([&] { lowbit::dequantize<S>(q, x_hat.data()); }, s);
  const error_stats e = measure_error(w.values, x_hat);
  const bool ok = matches_reference<S>(w, std::min(s.check_rows, w.rows));

  const double fp32_gb = static_cast<double>(w.values.size()) * sizeof(float) * 1e-9;
  const double bpw = layout.bits_per_weight();
  std::printf(row_format, scheme_name<S>().c_str(), bpw, 32.0 / bpw, e.rmse, e.sqnr_db, e.max_abs, fp32_gb / t_quantize,
              fp32_gb / t_dequantize, ok ? "ok" : "MISMATCH vs reference");
  std::fflush(stdout);
  return ok;
}

template <class... Ss>
int run_all(scheme_list<Ss...>, const weight_matrix& w, const run_settings& s) {
  std::vector<float> x_hat(w.values.size());
  int failures = 0;
  ((failures += run_scheme<Ss>(w, x_hat, s) ? 0 : 1), ...);
  return failures;
}

// ------------------------------------------------------------------ main

bool parse_size(const char* text, std::size_t& out) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || v == 0 || v > (1ull << 20)) return false;
  out = static_cast<std::size_t>(v);
  return true;
}

void usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--rows R] [--cols C] [--seed S] [--min-reps N]\n", argv0);
  std::fprintf(stderr, "  R, C in [1, 2^20] (default 1024 x 4096), N in [1, 2^20] (default 3)\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t rows = 1024, cols = 4096, seed = 42, min_reps = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::size_t* target = arg == "--rows"       ? &rows
                          : arg == "--cols"     ? &cols
                          : arg == "--seed"     ? &seed
                          : arg == "--min-reps" ? &min_reps
                                                : nullptr;
    if (arg == "--help" || arg == "-h") {
      usage(argv[0]);
      return 0;
    }
    if (target == nullptr || i + 1 >= argc || !parse_size(argv[i + 1], *target)) {
      usage(argv[0]);
      return 2;
    }
    ++i;
  }
  if (rows * cols > (std::size_t{1} << 28)) {
    std::fprintf(stderr, "%zu x %zu is more than 2^28 weights; pick a smaller matrix\n", rows, cols);
    return 2;
  }
  run_settings settings;
  settings.min_reps = static_cast<int>(min_reps);
  settings.max_reps = std::max(settings.max_reps, settings.min_reps);

  const weight_matrix w = make_weights(rows, cols, seed);
  double sum_sq = 0.0, max_abs = 0.0;
  for (const float v : w.values) {
    sum_sq += static_cast<double>(v) * static_cast<double>(v);
    max_abs = std::max(max_abs, static_cast<double>(std::fabs(v)));
  }

  std::printf("lowbit %d.%d.%d demo, built for %s (xsimd::default_arch)\n", LOWBIT_VERSION_MAJOR, LOWBIT_VERSION_MINOR,
              LOWBIT_VERSION_PATCH, xsimd::default_arch::name());
  std::printf(
      "weights: %zu x %zu fp32 (%.1f MB), seed %zu: N(0, sigma_r^2) per row, sigma_r = 0.02 exp(0.25 N(0,1)),\n", rows,
      cols, static_cast<double>(rows * cols) * 4e-6, seed);
  std::printf("         %zu outlier input channels x%.0f with Laplace tails; rms %.4f, max |w| %.4f\n",
              w.outlier_columns.size(), outlier_gain, std::sqrt(sum_sq / static_cast<double>(w.values.size())),
              max_abs);
  std::printf("legend:  z:u8 integer zero point (uint8), m:fp16 float offset (fp16); bits/w includes scales\n");
  std::printf("         and zero points; ratio = 32 / bits/w; SQNR = 10 log10(sum x^2 / sum (x - x^)^2)\n");
  std::printf("         GB/s = fp32 bytes per second, best of >= %d runs: rough numbers; the Google Benchmark\n",
              settings.min_reps);
  std::printf("         binaries (bench.sse2/avx2/avx512) are the measurement\n\n");
  std::printf(head_format, "scheme", "bits/w", "ratio", "RMSE", "SQNR dB", "max|err|", "quant", "dequant",
              "vs reference");
  std::printf(head_format, "", "", "", "", "", "", "GB/s", "GB/s", "");

  const int failures = run_all(demo_schemes{}, w, settings);
  if (failures != 0) {
    std::printf("\n%d scheme(s) differ from the scalar reference\n", failures);
    return 1;
  }
  return 0;
}
