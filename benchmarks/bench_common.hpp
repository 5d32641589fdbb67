// Shared helpers of the lowbit benchmarks: aligned, pre-touched buffers and the
// rotation over >= 1 GiB of copies that makes every iteration of an
// "out-of-cache" benchmark read its input from DRAM (this machine's L3 stops
// helping between 16 and 64 MiB; getconf's L3 size is not what it delivers).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "lowbit/config.hpp"  // xsimd

namespace lowbit_bench {

/// Codes per call of an L2-resident benchmark: codes + packed <= 128 KiB, well inside the 1 MiB L2.
inline constexpr std::size_t l2_codes = std::size_t{64} << 10;
/// Codes per call of an out-of-cache benchmark (4 MiB of codes), rotated over >= 1 GiB.
inline constexpr std::size_t dram_codes = std::size_t{4} << 20;
/// Total bytes (inputs + outputs) a rotation cycles through before it reuses a copy.
inline constexpr std::size_t rotation_bytes = std::size_t{1} << 30;

/// OR of the n bytes at p (n a multiple of 32 register bytes, p 64-byte aligned):
/// the read floor's kernel, a SIMD pass that only loads.
template <class A>
std::uint64_t read_all(const std::uint8_t* p, std::size_t n) {
  using batch = xsimd::batch<std::uint64_t, A>;
  batch a0(std::uint64_t{0}), a1 = a0, a2 = a0, a3 = a0;
  const auto* w = reinterpret_cast<const std::uint64_t*>(p);
  std::size_t i = 0;
  for (; i + 4 * batch::size <= n / 8; i += 4 * batch::size) {
    a0 |= batch::load_aligned(w + i);
    a1 |= batch::load_aligned(w + i + batch::size);
    a2 |= batch::load_aligned(w + i + 2 * batch::size);
    a3 |= batch::load_aligned(w + i + 3 * batch::size);
  }
  alignas(64) std::uint64_t lanes[batch::size];
  (a0 | a1 | a2 | a3).store_aligned(lanes);
  std::uint64_t r = 0;
  for (std::uint64_t v : lanes) r |= v;
  return r;
}

/// The CPU model (from /proc/cpuinfo) in the benchmark context: figures from
/// different machines of this kind differ, so every report says which it is.
inline std::string cpu_model() {
  std::FILE* f = std::fopen("/proc/cpuinfo", "r");
  if (f == nullptr) return "unknown";
  char line[512];
  std::string model = "unknown";
  while (std::fgets(line, sizeof line, f) != nullptr) {
    const std::string l = line;
    if (l.rfind("model name", 0) == 0) {
      model = l.substr(l.find(':') + 2);
      if (!model.empty() && model.back() == '\n') model.pop_back();
      break;
    }
  }
  std::fclose(f);
  return model;
}

/// A 2 MiB-aligned, zeroed and page-touched buffer (transparent huge pages if available).
class buffer {
 public:
  buffer() = default;
  explicit buffer(std::size_t bytes) : size_(bytes) {
    constexpr std::size_t align = std::size_t{2} << 20;
    const std::size_t rounded = (bytes + align - 1) / align * align;
    data_.reset(static_cast<std::uint8_t*>(std::aligned_alloc(align, rounded == 0 ? align : rounded)));
    if (!data_) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(data_.get(), rounded, MADV_HUGEPAGE);
#endif
    std::memset(data_.get(), 0, rounded);
  }
  std::uint8_t* data() const noexcept {
    return data_.get();
  }
  std::size_t size() const noexcept {
    return size_;
  }

 private:
  struct free_deleter {
    void operator()(std::uint8_t* p) const noexcept { std::free(p); }
  };
  std::unique_ptr<std::uint8_t, free_deleter> data_;
  std::size_t size_ = 0;
};

/// Fills n bytes with pseudo-random values & mask (xorshift64*, deterministic).
inline void fill_random(std::uint8_t* p, std::size_t n, std::uint8_t mask, std::uint64_t seed) {
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  const std::uint64_t mask8 = 0x0101010101010101ull * mask;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    const std::uint64_t v = (x * 0x2545F4914F6CDD1Dull) & mask8;
    std::memcpy(p + i, &v, 8);
  }
  for (; i < n; ++i) p[i] = static_cast<std::uint8_t>((i * 0x5Bu) & mask);
}

/// Fills n floats with weights-like data: approximately N(0, 0.02^2) (the sum
/// of four uniforms, Irwin-Hall), and one element in 256 an outlier 20x larger,
/// as in LLM weight matrices (deterministic, xorshift64*).
inline void fill_weights(float* p, std::size_t n, std::uint64_t seed) {
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  constexpr float to_unit = 1.0f / 65536.0f, sigma = 0.02f, sqrt3 = 1.7320508f;
  for (std::size_t i = 0; i < n; ++i) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    const std::uint64_t r = x * 0x2545F4914F6CDD1Dull;
    float sum = 0.0f;  // four 16-bit uniforms in [0, 1): mean 2, variance 1/3
    for (int k = 0; k < 4; ++k) sum += static_cast<float>((r >> (16 * k)) & 0xFFFFu) * to_unit;
    const float z = (sum - 2.0f) * sqrt3;
    p[i] = z * sigma * ((r >> 56) == 0x5Au ? 20.0f : 1.0f);  // reuses top bits: a 1/256 flag
  }
}

/// Rounds up to whole 4 KiB pages, so every copy of a rotation starts page-aligned.
inline constexpr std::size_t page_round(std::size_t bytes) noexcept {
  return (bytes + 4095) / 4096 * 4096;
}

/// The arena every out-of-cache benchmark rotates through: allocated once, 1 GiB + slack.
inline buffer& arena() {
  static buffer b(rotation_bytes + (std::size_t{64} << 20));
  return b;
}

/// What the arena's input copies hold, so repetitions of one benchmark fill them once.
/// A rotation with another layout may overwrite them with its outputs: it resets this.
struct arena_contents {
  std::size_t in_stride = 0, out_stride = 0;
  std::string filled;
};
inline arena_contents& arena_state() {
  static arena_contents s;
  return s;
}

/// `count` copies of an (input, output) pair of the given sizes, together >= rotation_bytes,
/// laid out in the shared arena: inputs first, outputs after.
class rotation {
 public:
  rotation(std::size_t in_bytes, std::size_t out_bytes)
      : in_stride_(page_round(in_bytes)), out_stride_(page_round(out_bytes)) {
    const std::size_t pair = in_stride_ + out_stride_;
    count_ = (rotation_bytes + pair - 1) / pair;
    if (count_ * pair > arena().size()) throw std::bad_alloc();
    in_ = arena().data();
    out_ = in_ + count_ * in_stride_;
    arena_contents& state = arena_state();
    if (state.in_stride != in_stride_ || state.out_stride != out_stride_) {
      state.in_stride = in_stride_;
      state.out_stride = out_stride_;
      state.filled.clear();
    }
  }
  std::size_t count() const noexcept { return count_; }
  std::uint8_t* in(std::size_t i) const noexcept { return in_ + i * in_stride_; }
  std::uint8_t* out(std::size_t i) const noexcept { return out_ + i * out_stride_; }
  /// Fills every input copy with random bytes & mask, unless they already hold exactly that
  /// (same tag, size and mask, and no rotation of another layout was made since).
  void fill_inputs(std::size_t in_bytes, std::uint8_t mask, const std::string& tag) const {
    const std::string key = tag + "/" + std::to_string(in_bytes) + "/" + std::to_string(mask);
    arena_contents& state = arena_state();
    if (state.filled == key) return;
    for (std::size_t i = 0; i < count_; ++i) fill_random(in(i), in_bytes, mask, i + 1);
    state.filled = key;
  }

  /// Every input copy filled with fill_weights (in_bytes / 4 floats).
  void fill_weight_inputs(std::size_t in_bytes, const std::string& tag) const {
    const std::string key = tag + "/" + std::to_string(in_bytes) + "/weights";
    arena_contents& state = arena_state();
    if (state.filled == key) return;
    for (std::size_t i = 0; i < count_; ++i) fill_weights(reinterpret_cast<float*>(in(i)), in_bytes / 4, i + 1);
    state.filled = key;
  }

 private:
  std::size_t in_stride_, out_stride_, count_ = 0;
  std::uint8_t* in_ = nullptr;
  std::uint8_t* out_ = nullptr;
};

}  // namespace lowbit_bench
