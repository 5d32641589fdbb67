// lowbit example: an engine-style MLP block on quantized weights.
//
//   h = gelu(W1 x + b1)      W1: hidden x dim
//   y = W2 h + x             W2: dim x hidden  (residual: epilogue::accumulate on a copy of x)
//
// run the way an engine runs it: the engine owns a pool of threads and gives
// each a range of output rows (matmul_options::row_begin / row_end); a barrier
// separates the two layers. Both compute paths run, for decode (one token)
// and a small prefill batch; the example prints the time per token and the
// error of each against the same block computed in fp32 with the unquantized
// weights, and exits 1 if a path's error is not what its quantization allows
// (4-bit weights: a relative error of a few percent; see the bound below) or
// if the paths disagree with each other by more than the int8 activations explain.
//
//   lowbit_mlp_block [--dim 1024] [--hidden 2816] [--tokens 8] [--threads 2]

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "lowbit/lowbit.hpp"

namespace {

using S = lowbit::scheme<lowbit::bits<4>, lowbit::asymmetric, lowbit::per_group<32>, lowbit::scale<lowbit::fp16>>;

/// A spinning barrier, as engines use between layers (a futex-based
/// std::barrier can cost more to wake than a decode step of a small layer).
class spin_barrier {
 public:
  explicit spin_barrier(unsigned n) : n_(n) {}
  void arrive_and_wait() {
    const unsigned gen = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
      return;
    }
    while (generation_.load(std::memory_order_acquire) == gen) std::this_thread::yield();
  }

 private:
  const unsigned n_;
  std::atomic<unsigned> arrived_{0}, generation_{0};
};

float gelu(float v) {
  return 0.5f * v * (1.0f + std::tanh(0.7978845608f * (v + 0.044715f * v * v * v)));
}

/// The fp32 block with the unquantized weights (the reference).
void mlp_fp32(const std::vector<float>& w1, const std::vector<float>& b1, const std::vector<float>& w2, const float* x,
              std::size_t tokens, std::size_t dim, std::size_t hidden, float* y) {
  std::vector<float> h(hidden);
  for (std::size_t n = 0; n < tokens; ++n) {
    for (std::size_t r = 0; r < hidden; ++r) {
      double s = 0;
      for (std::size_t k = 0; k < dim; ++k) s += static_cast<double>(w1[r * dim + k]) * x[n * dim + k];
      h[r] = gelu(static_cast<float>(s) + b1[r]);
    }
    for (std::size_t r = 0; r < dim; ++r) {
      double s = 0;
      for (std::size_t k = 0; k < hidden; ++k) s += static_cast<double>(w2[r * hidden + k]) * h[k];
      y[n * dim + r] = static_cast<float>(s) + x[n * dim + r];
    }
  }
}

/// The engine: `threads` workers, each taking its rows of each layer.
template <class Path>
double mlp_lowbit(const lowbit::quantized_matrix<S>& w1, const std::vector<float>& b1,
                  const lowbit::quantized_matrix<S>& w2, const float* x, std::size_t tokens, std::size_t dim,
                  std::size_t hidden, unsigned threads, float* y, int repeats) {
  std::vector<float> h(tokens * hidden);
  spin_barrier sync(threads);
  auto worker = [&](unsigned t) {
    const std::size_t h0 = hidden * t / threads, h1 = hidden * (t + 1) / threads;
    const std::size_t d0 = dim * t / threads, d1 = dim * (t + 1) / threads;
    for (int rep = 0; rep < repeats; ++rep) {
      // layer 1, rows [h0, h1) of every token, bias fused into the store
      lowbit::gemm<Path>(w1, x, tokens, h.data(), {.row_begin = h0, .row_end = h1}, lowbit::epilogue::bias{b1.data()});
      for (std::size_t n = 0; n < tokens; ++n)
        for (std::size_t r = h0; r < h1; ++r) h[n * hidden + r] = gelu(h[n * hidden + r]);
      sync.arrive_and_wait();  // layer 2 reads every row of h
      // layer 2 with the residual: y starts as x, accumulate adds W2 h
      for (std::size_t n = 0; n < tokens; ++n)
        std::memcpy(y + n * dim + d0, x + n * dim + d0, (d1 - d0) * sizeof(float));
      lowbit::gemm<Path>(w2, h.data(), tokens, y, {.row_begin = d0, .row_end = d1}, lowbit::epilogue::accumulate{1.0f});
      sync.arrive_and_wait();  // the next repeat overwrites h
    }
  };
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& th : pool) th.join();
  const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return sec / repeats / static_cast<double>(tokens);
}

double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    num += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
    den += static_cast<double>(b[i]) * b[i];
  }
  return std::sqrt(num / den);
}

std::size_t arg(int argc, char** argv, const char* name, std::size_t fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return static_cast<std::size_t>(std::strtoull(argv[i + 1], nullptr, 10));
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t dim = arg(argc, argv, "--dim", 1024), hidden = arg(argc, argv, "--hidden", 2816);
  const std::size_t batch = arg(argc, argv, "--tokens", 8);
  const auto threads = static_cast<unsigned>(std::max<std::size_t>(1, arg(argc, argv, "--threads", 2)));

  // LLM-like weights: N(0, 0.02^2) with a few outliers; activations N(0, 1) with a few large channels
  std::mt19937 rng(42);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::uniform_real_distribution<float> u01(0.0f, 1.0f);
  auto weights = [&](std::size_t n) {
    std::vector<float> w(n);
    for (float& v : w) v = 0.02f * nd(rng) * (u01(rng) < 0.002f ? 10.0f : 1.0f);
    return w;
  };
  const std::vector<float> w1 = weights(hidden * dim), w2 = weights(dim * hidden), b1 = weights(hidden);
  std::vector<float> x(batch * dim);
  for (std::size_t k = 0; k < x.size(); ++k) x[k] = nd(rng) * (k % dim < 8 ? 6.0f : 1.0f);

  const lowbit::quantized_matrix<S> q1 = lowbit::quantize<S>(w1.data(), hidden, dim);
  const lowbit::quantized_matrix<S> q2 = lowbit::quantize<S>(w2.data(), dim, hidden);
  std::printf("MLP block dim %zu, hidden %zu, 4-bit asymmetric group 32 (%.3f bits/weight), %u engine threads\n", dim,
              hidden, q1.layout().bits_per_weight(), threads);

  // The quantization error alone: the block with the dequantized weights in fp32.
  std::vector<float> d1(w1.size()), d2(w2.size());
  lowbit::dequantize(q1, d1.data());
  lowbit::dequantize(q2, d2.data());
  int failures = 0;
  for (std::size_t tokens : {std::size_t{1}, batch}) {
    std::vector<float> ref(tokens * dim), deq(tokens * dim), yf(tokens * dim), y8(tokens * dim);
    mlp_fp32(w1, b1, w2, x.data(), tokens, dim, hidden, ref.data());
    mlp_fp32(d1, b1, d2, x.data(), tokens, dim, hidden, deq.data());
    const int repeats = tokens == 1 ? 50 : 10;
    const double tf =
        mlp_lowbit<lowbit::path::floating>(q1, b1, q2, x.data(), tokens, dim, hidden, threads, yf.data(), repeats);
    const double t8 =
        mlp_lowbit<lowbit::path::int8_dot>(q1, b1, q2, x.data(), tokens, dim, hidden, threads, y8.data(), repeats);
    const double e_deq = relative_error(deq, ref), ef = relative_error(yf, ref), e8 = relative_error(y8, ref);
    const double ef_deq = relative_error(yf, deq), e8_f = relative_error(y8, yf);
    std::printf("\n%zu token%s per call:\n", tokens, tokens == 1 ? "" : "s");
    std::printf("  %-10s %9.1f us/token   error vs fp32 %.4f   (the 4-bit weights alone: %.4f)\n", "floating", tf * 1e6,
                ef, e_deq);
    std::printf("  %-10s %9.1f us/token   error vs fp32 %.4f   (vs floating: %.4f)\n", "int8_dot", t8 * 1e6, e8, e8_f);
    // floating computes the dequantized block up to fp32 rounding; int8_dot adds
    // the rounding of the activations to 8 bits (about 1 % here, uniform error
    // of s / 2 with s = max|x| / 127 per block of 32)
    if (!(ef_deq < 1e-4)) {
      std::printf("  FAIL: floating differs from the dequantized block by %.2g\n", ef_deq);
      ++failures;
    }
    if (!(e8_f < 0.05)) {
      std::printf("  FAIL: int8_dot differs from floating by %.3f\n", e8_f);
      ++failures;
    }
    if (!(e_deq < 0.2)) {
      std::printf("  FAIL: the quantization error %.3f is not that of 4-bit weights\n", e_deq);
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}
