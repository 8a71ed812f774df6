#ifndef C_NEXUS_BYTE_SCAN_H
#define C_NEXUS_BYTE_SCAN_H

/// The search for special bytes of the CSV scanner (those that end a run) and of COPY's text
/// escaping: 64 bytes compared at once.
///
/// Static inline, so that the Swift compiler inlines it into the loops that call it. x86-64 has
/// SSE2 in every CPU, so the vector path is always taken there; other targets take the
/// byte loop (the results are the same).

#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Bit i (least significant first) is set when byte i of the 64 bytes at `p` is `a`, `b`,
/// `c` or `d`. All 64 bytes must be readable.
static inline uint64_t nexus_match4_64(const uint8_t *p, uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
#if defined(__SSE2__)
    const __m128i va = _mm_set1_epi8((char)a);
    const __m128i vb = _mm_set1_epi8((char)b);
    const __m128i vc = _mm_set1_epi8((char)c);
    const __m128i vd = _mm_set1_epi8((char)d);
    uint64_t mask = 0;
    for (int k = 0; k < 4; k++) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        const __m128i hit = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)),
            _mm_or_si128(_mm_cmpeq_epi8(v, vc), _mm_cmpeq_epi8(v, vd)));
        mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(hit) << (16 * k);
    }
    return mask;
#else
    uint64_t mask = 0;
    for (int i = 0; i < 64; i++) {
        const uint8_t x = p[i];
        if (x == a || x == b || x == c || x == d) mask |= (uint64_t)1 << i;
    }
    return mask;
#endif
}

#endif
