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
#define LOWBIT_FORCE_INLINE __attribute__((always_inline))   // on member functions (already inline)
#else
#define LOWBIT_FORCE_INLINE
#define LOWBIT_ALWAYS_INLINE inline
#define LOWBIT_INLINE_LAMBDA
#endif

// ---------------------------------------------------------------- per-ISA symbols
//
// Every lowbit function is compiled with the flags of the translation unit that
// includes it, and the linker keeps ONE copy of each inline function or
// template instance for the whole program. Two TUs built with different -m
// flags (a baseline TU and an AVX-512 TU of one engine) would then share
// whichever copy the linker picked: the baseline path could run AVX-512
// instructions. So everything that has code lives in an inline namespace named
// after the code-generation flags of the TU:
//
//   namespace lowbit { inline namespace LOWBIT_ISA_NAMESPACE { ... } }
//
// spelled `namespace LOWBIT_NS { ... }` in the headers. Users still write
// lowbit::quantize, lowbit::quantized_matrix, ...; the symbols differ per flag
// set. Outside it, in plain `lowbit`, are only the vocabulary types that hold
// no out-of-line code and must be the same type in every TU: the policy tags
// and scheme<...>, fp16 / bf16 (whose members are always inlined into the
// caller), quantize_options, the matmul options, epilogues and path tags
// (matmul_options.hpp), the runtime-dispatch argument types
// (dispatch_types.hpp), status and the exception type lowbit::error.
// tests/odr checks both: headers open no other namespace, and no lowbit
// symbol that two differently-flagged objects share differs in its code.
//
// The tag names every flag that lowbit's code paths or GCC's code generation
// depend on, e.g. isa_sse2 (no -m flags),
// isa_sse2_ssse3_sse41_sse42_popcnt_avx_avx2_fma_f16c_bmi_bmi2_lzcnt (-march=x86-64-v3),
// ..._fastmath (-ffast-math or any of its value-changing parts), ..._noexcept
// (-fno-exceptions).
// Define LOWBIT_ISA_NAMESPACE yourself to override it.
#define LOWBIT_CAT_(a, b) a##b
#define LOWBIT_CAT(a, b) LOWBIT_CAT_(a, b)
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define LOWBIT_HAS_EXCEPTIONS 1
#else
#define LOWBIT_HAS_EXCEPTIONS 0
#endif
#ifndef LOWBIT_ISA_NAMESPACE
#if defined(__SSE2__)
#define LOWBIT_ISA_TAG_0 isa_sse2
#else
#define LOWBIT_ISA_TAG_0 isa_generic
#endif
#if defined(__SSSE3__)
#define LOWBIT_ISA_TAG_1 LOWBIT_CAT(LOWBIT_ISA_TAG_0, _ssse3)
#else
#define LOWBIT_ISA_TAG_1 LOWBIT_ISA_TAG_0
#endif
#if defined(__SSE4_1__)
#define LOWBIT_ISA_TAG_2 LOWBIT_CAT(LOWBIT_ISA_TAG_1, _sse41)
#else
#define LOWBIT_ISA_TAG_2 LOWBIT_ISA_TAG_1
#endif
#if defined(__SSE4_2__)
#define LOWBIT_ISA_TAG_3 LOWBIT_CAT(LOWBIT_ISA_TAG_2, _sse42)
#else
#define LOWBIT_ISA_TAG_3 LOWBIT_ISA_TAG_2
#endif
#if defined(__POPCNT__)
#define LOWBIT_ISA_TAG_4 LOWBIT_CAT(LOWBIT_ISA_TAG_3, _popcnt)
#else
#define LOWBIT_ISA_TAG_4 LOWBIT_ISA_TAG_3
#endif
#if defined(__AVX__)
#define LOWBIT_ISA_TAG_5 LOWBIT_CAT(LOWBIT_ISA_TAG_4, _avx)
#else
#define LOWBIT_ISA_TAG_5 LOWBIT_ISA_TAG_4
#endif
#if defined(__AVX2__)
#define LOWBIT_ISA_TAG_6 LOWBIT_CAT(LOWBIT_ISA_TAG_5, _avx2)
#else
#define LOWBIT_ISA_TAG_6 LOWBIT_ISA_TAG_5
#endif
#if defined(__FMA__)
#define LOWBIT_ISA_TAG_7 LOWBIT_CAT(LOWBIT_ISA_TAG_6, _fma)
#else
#define LOWBIT_ISA_TAG_7 LOWBIT_ISA_TAG_6
#endif
#if defined(__F16C__)
#define LOWBIT_ISA_TAG_8 LOWBIT_CAT(LOWBIT_ISA_TAG_7, _f16c)
#else
#define LOWBIT_ISA_TAG_8 LOWBIT_ISA_TAG_7
#endif
#if defined(__BMI__)
#define LOWBIT_ISA_TAG_9 LOWBIT_CAT(LOWBIT_ISA_TAG_8, _bmi)
#else
#define LOWBIT_ISA_TAG_9 LOWBIT_ISA_TAG_8
#endif
#if defined(__BMI2__)
#define LOWBIT_ISA_TAG_10 LOWBIT_CAT(LOWBIT_ISA_TAG_9, _bmi2)
#else
#define LOWBIT_ISA_TAG_10 LOWBIT_ISA_TAG_9
#endif
#if defined(__LZCNT__)
#define LOWBIT_ISA_TAG_11 LOWBIT_CAT(LOWBIT_ISA_TAG_10, _lzcnt)
#else
#define LOWBIT_ISA_TAG_11 LOWBIT_ISA_TAG_10
#endif
#if defined(__AVXVNNI__)
#define LOWBIT_ISA_TAG_12 LOWBIT_CAT(LOWBIT_ISA_TAG_11, _avxvnni)
#else
#define LOWBIT_ISA_TAG_12 LOWBIT_ISA_TAG_11
#endif
#if defined(__AVX512F__)
#define LOWBIT_ISA_TAG_13 LOWBIT_CAT(LOWBIT_ISA_TAG_12, _avx512f)
#else
#define LOWBIT_ISA_TAG_13 LOWBIT_ISA_TAG_12
#endif
#if defined(__AVX512BW__)
#define LOWBIT_ISA_TAG_14 LOWBIT_CAT(LOWBIT_ISA_TAG_13, _bw)
#else
#define LOWBIT_ISA_TAG_14 LOWBIT_ISA_TAG_13
#endif
#if defined(__AVX512DQ__)
#define LOWBIT_ISA_TAG_15 LOWBIT_CAT(LOWBIT_ISA_TAG_14, _dq)
#else
#define LOWBIT_ISA_TAG_15 LOWBIT_ISA_TAG_14
#endif
#if defined(__AVX512VL__)
#define LOWBIT_ISA_TAG_16 LOWBIT_CAT(LOWBIT_ISA_TAG_15, _vl)
#else
#define LOWBIT_ISA_TAG_16 LOWBIT_ISA_TAG_15
#endif
#if defined(__AVX512VNNI__)
#define LOWBIT_ISA_TAG_17 LOWBIT_CAT(LOWBIT_ISA_TAG_16, _vnni)
#else
#define LOWBIT_ISA_TAG_17 LOWBIT_ISA_TAG_16
#endif
#if defined(__AVX512BF16__)
#define LOWBIT_ISA_TAG_18 LOWBIT_CAT(LOWBIT_ISA_TAG_17, _bf16)
#else
#define LOWBIT_ISA_TAG_18 LOWBIT_ISA_TAG_17
#endif
#if defined(__AVX512FP16__)
#define LOWBIT_ISA_TAG_19 LOWBIT_CAT(LOWBIT_ISA_TAG_18, _fp16)
#else
#define LOWBIT_ISA_TAG_19 LOWBIT_ISA_TAG_18
#endif
#if defined(__AVX512VBMI__)
#define LOWBIT_ISA_TAG_20 LOWBIT_CAT(LOWBIT_ISA_TAG_19, _vbmi)
#else
#define LOWBIT_ISA_TAG_20 LOWBIT_ISA_TAG_19
#endif
#if defined(__AMX_INT8__)
#define LOWBIT_ISA_TAG_21 LOWBIT_CAT(LOWBIT_ISA_TAG_20, _amx)
#else
#define LOWBIT_ISA_TAG_21 LOWBIT_ISA_TAG_20
#endif
#if defined(__FAST_MATH__) || (defined(__FINITE_MATH_ONLY__) && __FINITE_MATH_ONLY__) || \
    defined(__RECIPROCAL_MATH__) || defined(__ASSOCIATIVE_MATH__) || defined(__NO_SIGNED_ZEROS__)
#define LOWBIT_ISA_TAG_22 LOWBIT_CAT(LOWBIT_ISA_TAG_21, _fastmath)
#else
#define LOWBIT_ISA_TAG_22 LOWBIT_ISA_TAG_21
#endif
#if !LOWBIT_HAS_EXCEPTIONS
#define LOWBIT_ISA_TAG_23 LOWBIT_CAT(LOWBIT_ISA_TAG_22, _noexcept)
#else
#define LOWBIT_ISA_TAG_23 LOWBIT_ISA_TAG_22
#endif
#define LOWBIT_ISA_NAMESPACE LOWBIT_ISA_TAG_23
#endif
/// `namespace LOWBIT_NS { ... }`: lowbit's per-ISA namespace (see above).
#define LOWBIT_NS lowbit::inline LOWBIT_ISA_NAMESPACE

// ---------------------------------------------------------------- kernel trace
//
// A program built with -DLOWBIT_TRACE_KERNELS (lowbit's own tests) defines
//   void lowbit_trace_kernel(const char* kernel, const char* arch);
// and every SIMD kernel entry calls it with its name and its xsimd arch, so a
// test can assert that a public entry point ran the SIMD kernel of the ISA the
// binary was built for (and not, say, the scalar reference). Off by default.
#if defined(LOWBIT_TRACE_KERNELS)
void lowbit_trace_kernel(const char* kernel, const char* arch);
#define LOWBIT_TRACE_KERNEL(kernel, Arch) ::lowbit_trace_kernel(kernel, Arch::name())
#else
#define LOWBIT_TRACE_KERNEL(kernel, Arch) ((void)0)
#endif
