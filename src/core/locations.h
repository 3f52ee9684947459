// Where fitformer finds its own files (the device catalog, the built-in recipes), the fetched
// datasets and its cache, and where it writes run folders: one rule for a build tree and an
// installed copy, documented in README.md ("Where files go").
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace fitformer {

struct Locations {
  std::filesystem::path resources;  // catalog/devices.toml and recipes/
  std::filesystem::path data;       // fetched datasets (scripts/setup)
  std::filesystem::path cache;      // content-addressed results
  // The project folder: run folders go to <work>/runs. Empty means the current directory, so
  // the default stays the relative path "runs/NAME".
  std::filesystem::path work;
};

// What the rule reads from the environment: a variable's value, nullopt when unset or empty.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The rule, for the program at `executable`:
// - installed when <bin>/../share/fitformer/catalog/devices.toml exists beside it (`cmake
//   --install`): resources there, data in share/fitformer/data, the cache in
//   $XDG_CACHE_HOME/fitformer (else $HOME/.cache/fitformer);
// - otherwise a build tree: the source tree's catalog/, recipes/, data/ and cache/;
// - $FITFORMER_DATA_DIR, $FITFORMER_CACHE_DIR and $FITFORMER_WORKDIR override either, and the
//   command line's --data-dir, --cache-dir and --workdir override those.
Locations locations_for(const std::filesystem::path& executable, const EnvLookup& env);

// The `fitformer` program this code belongs to: /proc/self/exe for the command and every other
// executable; inside the Python module (a shared object loaded by python3, whose own program
// says nothing about where fitformer lives), the `fitformer` of the module's installation,
// <module folder>/FITFORMER_MODULE_TO_BINDIR/fitformer, which need not exist (a build tree).
std::filesystem::path program_path();

// locations_for the program_path() and this process's environment.
Locations default_locations();

}  // namespace fitformer
