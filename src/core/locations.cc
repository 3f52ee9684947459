// The lookup rule of core/locations.h.
#include "core/locations.h"

#include <cstdlib>
#include <system_error>

namespace fitformer {
namespace fs = std::filesystem;

Locations locations_for(const fs::path& executable, const EnvLookup& env) {
  const fs::path share = executable.parent_path().parent_path() / "share" / "fitformer";
  std::error_code ec;
  const bool installed = fs::is_regular_file(share / "catalog" / "devices.toml", ec);
  Locations l;
  if (installed) {
    l.resources = share;
    l.data = share / "data";
    if (const auto xdg = env("XDG_CACHE_HOME")) {
      l.cache = fs::path(*xdg) / "fitformer";
    } else if (const auto home = env("HOME")) {
      l.cache = fs::path(*home) / ".cache" / "fitformer";
    } else {
      l.cache = share / "cache";  // no home: beside the installed files
    }
  } else {
    l.resources = FITFORMER_SOURCE_DIR;
    l.data = FITFORMER_DEFAULT_DATA_DIR;
    l.cache = FITFORMER_DEFAULT_CACHE_DIR;
  }
  if (const auto v = env("FITFORMER_DATA_DIR")) l.data = *v;
  if (const auto v = env("FITFORMER_CACHE_DIR")) l.cache = *v;
  if (const auto v = env("FITFORMER_WORKDIR")) l.work = *v;
  return l;
}

Locations default_locations() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return locations_for(ec ? fs::path() : self, [](const std::string& name) {
    const char* v = std::getenv(name.c_str());
    return v && *v ? std::optional<std::string>(v) : std::nullopt;
  });
}

}  // namespace fitformer
