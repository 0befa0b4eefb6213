// The vectors the fake LLM servers answer embeddings requests with (FakeOpenAiServer's
// /v1/embeddings, FakeBedrockServer's Titan /invoke): deterministic, so tests can check that
// each text got its own vector, in order.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace askdb::test {

// `dimensions` values built from a hash of the words of `text` (lower-cased), so texts sharing
// words get similar vectors. Deliberately not unit length (its length is 3), so that tests
// can check that askdb normalises.
std::vector<float> fake_embedding(std::string_view text, size_t dimensions);

}  // namespace askdb::test
