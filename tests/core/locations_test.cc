// The lookup rule of core/locations.h, built independently here from its documentation: an
// installed layout is recognized by its catalog, a build tree falls back to the source tree,
// and the environment overrides either.
#include "core/locations.h"

#include <gtest/gtest.h>

#include <map>

#include "common/temp_dir.h"

namespace fitformer {
namespace {

namespace fs = std::filesystem;
using ::fitformer::testing::TempDir;

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(Locations, AnInstalledProgramUsesItsShareFolderAndTheUsersCache) {
  TempDir prefix;
  prefix.write("share/fitformer/catalog/devices.toml", "");
  const fs::path exe = prefix.path() / "bin" / "fitformer";
  const fs::path share = prefix.path() / "share" / "fitformer";

  Locations l = locations_for(exe, env_of({{"HOME", "/home/ada"}}));
  EXPECT_EQ(l.resources, share);
  EXPECT_EQ(l.data, share / "data");
  EXPECT_EQ(l.cache, fs::path("/home/ada/.cache/fitformer"));
  EXPECT_EQ(l.work, fs::path());  // the current directory: runs/ stays relative

  l = locations_for(exe, env_of({{"HOME", "/home/ada"}, {"XDG_CACHE_HOME", "/var/cache/ada"}}));
  EXPECT_EQ(l.cache, fs::path("/var/cache/ada/fitformer"));
  l = locations_for(exe, env_of({}));
  EXPECT_EQ(l.cache, share / "cache");
}

TEST(Locations, ABuildTreeUsesTheSourceTree) {
  TempDir elsewhere;  // no share/fitformer beside it
  const Locations l = locations_for(elsewhere.path() / "bin" / "fitformer", env_of({}));
  EXPECT_EQ(l.resources, fs::path(FITFORMER_SOURCE_DIR));
  EXPECT_TRUE(fs::exists(l.resources / "catalog" / "devices.toml"));
  EXPECT_TRUE(fs::exists(l.resources / "recipes" / "sotu-lm.toml"));
  EXPECT_EQ(l.data, fs::path(FITFORMER_DEFAULT_DATA_DIR));
  EXPECT_EQ(l.cache, fs::path(FITFORMER_DEFAULT_CACHE_DIR));
}

TEST(Locations, TheEnvironmentOverridesEitherLayout) {
  TempDir prefix;
  prefix.write("share/fitformer/catalog/devices.toml", "");
  const auto env = env_of({{"FITFORMER_DATA_DIR", "/d"},
                           {"FITFORMER_CACHE_DIR", "/c"},
                           {"FITFORMER_WORKDIR", "/w"},
                           {"HOME", "/home/ada"}});
  for (const fs::path& exe :
       {prefix.path() / "bin" / "fitformer", fs::path("/nowhere/fitformer")}) {
    const Locations l = locations_for(exe, env);
    EXPECT_EQ(l.data, fs::path("/d")) << exe;
    EXPECT_EQ(l.cache, fs::path("/c")) << exe;
    EXPECT_EQ(l.work, fs::path("/w")) << exe;
  }
}

}  // namespace
}  // namespace fitformer
