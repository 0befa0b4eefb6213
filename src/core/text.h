// Small string helpers shared by every layer: UTF-8 checks, trimming, case folding, splitting.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace askdb {

// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates).
bool is_valid_utf8(std::string_view s);
// The length (1-4) of the well-formed UTF-8 sequence at s[i], or 0 when there is none
// (overlong forms, surrogates and code points past U+10FFFF are not well-formed).
size_t utf8_sequence_length(std::string_view s, size_t i);

std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);  // ASCII only
bool starts_with_icase(std::string_view s, std::string_view prefix);
std::vector<std::string> split(std::string_view s, char sep);

// The longest prefix of `s` of at most `max_bytes` that does not split a UTF-8 character.
std::string_view utf8_prefix(std::string_view s, size_t max_bytes);

// Runs of whitespace as one space, none at either end: a server's multi-line message on a line.
std::string collapse_whitespace(std::string_view s);
// `s` cut to at most `max_bytes` (without splitting a UTF-8 character) and "..." added when cut.
std::string shorten(std::string_view s, size_t max_bytes);
// Whether `needle` occurs in `haystack`, ASCII letters compared without case.
bool contains_icase(std::string_view haystack, std::string_view needle);

// Reads a whole file into `out`; returns false when it cannot be read.
bool read_file(const std::string& path, std::string& out);

// FNV-1a, 64 bits: a fast hash that is the same on every machine and in every askdb version,
// for lock keys, fingerprints and feature hashing (not for anything an attacker chooses to
// collide). `h` continues an earlier hash.
inline constexpr uint64_t kFnv1aOffset = 14695981039346656037ull;
uint64_t fnv1a64(std::string_view s, uint64_t h = kFnv1aOffset);

}  // namespace askdb
