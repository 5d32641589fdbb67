// lowbit: configuration, version, and the one place xsimd and the intrinsics
// headers are included (with the GCC 12.0-12.2 false -Wuninitialized guard).
#pragma once

#define LOWBIT_VERSION_MAJOR 0
#define LOWBIT_VERSION_MINOR 1
#define LOWBIT_VERSION_PATCH 0

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12 && __GNUC_MINOR__ < 3
#define LOWBIT_GCC12_WUNINIT_BUG 1
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#define LOWBIT_X86 1
#endif
#include <xsimd/xsimd.hpp>

#if defined(LOWBIT_GCC12_WUNINIT_BUG)
#pragma GCC diagnostic pop
#endif

#if defined(__GNUC__) || defined(__clang__)
#define LOWBIT_ALWAYS_INLINE inline __attribute__((always_inline))
#define LOWBIT_INLINE_LAMBDA __attribute__((always_inline))  // [](...) LOWBIT_INLINE_LAMBDA { ... }
#else
#define LOWBIT_ALWAYS_INLINE inline
#define LOWBIT_INLINE_LAMBDA
#endif
