// wordnet-cls: each WordNet 3.0 noun synset's gloss labelled with its lexicographer file,
// one of 26 supersenses (noun.Tops ... noun.time); about 82k examples, stratified split.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/progress.h"
#include "data/dataset.h"

namespace fitformer::data {

// The 26 noun supersenses in lexicographer-file order (files 03 to 28, lexnames(5WN)).
const std::vector<std::string>& wordnet_noun_supersenses();

// Reads `data_noun` (the data.noun file of wordnet-base); every synset line is validated.
std::vector<Example> read_wordnet_nouns(const std::filesystem::path& data_noun);

// The task: read_wordnet_nouns split 80/10/10 per supersense, seed 1.
Dataset load_wordnet(const std::filesystem::path& data_noun, Progress* progress = nullptr);

}  // namespace fitformer::data
