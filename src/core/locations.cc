// The lookup rule of core/locations.h.
#include "core/locations.h"

#include <dlfcn.h>
#include <link.h>

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

fs::path program_path() {
  // The loaded object that holds this function: the main program has an empty name.
  Dl_info info{};
  link_map* object = nullptr;
  if (dladdr1(reinterpret_cast<void*>(&program_path), &info, reinterpret_cast<void**>(&object),
              RTLD_DL_LINKMAP) != 0 &&
      object != nullptr && object->l_name[0] != '\0') {
    std::error_code ec;
    const fs::path module = fs::absolute(object->l_name, ec);
    if (!ec)
      return (module.parent_path() / FITFORMER_MODULE_TO_BINDIR / "fitformer").lexically_normal();
  }
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : self;
}

Locations default_locations() {
  return locations_for(program_path(), [](const std::string& name) {
    const char* v = std::getenv(name.c_str());
    return v && *v ? std::optional<std::string>(v) : std::nullopt;
  });
}

}  // namespace fitformer
