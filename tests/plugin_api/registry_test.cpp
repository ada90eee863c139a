// The plugin registry: built-in plugins are described on first use, under
// the name they registered with.
#include "plugin_api/registry.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace qrexec_proxy {
namespace {

int described_count = 0;

PluginDescriptor describe_counted() {
  ++described_count;
  return {"counted", "Counts how often it is described.", "", {}, nullptr};
}

PluginDescriptor describe_misnamed() {
  return {"another_name", "Says another name than it registered with.", "", {}, nullptr};
}

TEST(PluginRegistry, ABuiltinPluginIsDescribedOnceAndOnlyWhenLookedUp) {
  described_count = 0;
  PluginRegistry registry;
  registry.add("counted", describe_counted);
  EXPECT_EQ(described_count, 0);
  EXPECT_EQ(registry.find("missing"), nullptr);
  EXPECT_EQ(described_count, 0);
  const PluginDescriptor* first = registry.find("counted");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->summary, "Counts how often it is described.");
  EXPECT_EQ(registry.find("counted"), first);
  EXPECT_EQ(registry.all().size(), 1u);
  EXPECT_EQ(described_count, 1);
}

TEST(PluginRegistry, ANameRegisteredTwiceOrContradictedByItsDescriptorIsAnError) {
  PluginRegistry registry;
  registry.add("counted", describe_counted);
  EXPECT_THROW(registry.add("counted", describe_counted), std::logic_error);
  registry.add("misnamed", describe_misnamed);
  EXPECT_THROW(registry.find("misnamed"), std::logic_error);
}

TEST(PluginRegistry, EveryBuiltinPluginDescribesItselfUnderItsRegisteredName) {
  // all() describes every plugin, checking each name.
  const auto plugins = PluginRegistry::builtin().all();
  EXPECT_GE(plugins.size(), 15u);
  for (const PluginDescriptor* plugin : plugins)
    EXPECT_EQ(PluginRegistry::builtin().find(plugin->name), plugin) << plugin->name;
}

}  // namespace
}  // namespace qrexec_proxy
