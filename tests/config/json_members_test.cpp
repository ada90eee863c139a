#include "config/json_members.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <random>

namespace qrexec_proxy {
namespace {

using nlohmann::json;

std::vector<std::pair<std::string, std::string>> members_of(std::string_view text) {
  const auto members = json_object_members(text);
  EXPECT_TRUE(members.has_value()) << text;
  std::vector<std::pair<std::string, std::string>> result;
  if (members)
    for (const auto& member : *members) result.emplace_back(member.key, member.value);
  return result;
}

TEST(JsonMembers, SplitsAnObjectIntoKeysAndValueTexts) {
  using Members = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(
      members_of(R"({"a": 1, "b" :{"x": [1, {"y": "}"}]}, "c": "s\"}", "d": null})"),
      (Members{{"a", "1"}, {"b", R"({"x": [1, {"y": "}"}]})"}, {"c", R"("s\"}")"}, {"d", "null"}}));
  EXPECT_EQ(members_of("\xEF\xBB\xBF \n{ }\r\n"), Members{});
  EXPECT_EQ(members_of(R"({"n": -1.5e+3,"t":true,"f":false,"l":[]})"),
            (Members{{"n", "-1.5e+3"}, {"t", "true"}, {"f", "false"}, {"l", "[]"}}));
}

TEST(JsonMembers, RefusesWhatIsNoObject) {
  for (const char* text :
       {"", "[]", "1", "{", "}", R"({"a" 1})", R"({"a": 1,})", R"({"a": 1 "b": 2})", R"({"a": [1})",
        R"({"a": {]})", R"({"a": "x)", R"({"a": 1} x)", R"({a: 1})", R"({"a": "x\")", R"({"a": })"})
    EXPECT_FALSE(json_object_members(text).has_value()) << text;
}

TEST(JsonMembers, LeavesKeysWithEscapesToAFullParse) {
  EXPECT_FALSE(json_object_members(R"({"p\u0061ss": 1})").has_value());
}

// Random JSON values, nested, with strings full of structure characters.
json random_value(std::mt19937& random, int depth) {
  const int kind = std::uniform_int_distribution<int>(0, depth > 3 ? 3 : 5)(random);
  auto text = [&] {
    static const std::vector<std::string> alphabet = {
        "a", "b", "{", "}", "[", "]", ":", ",", "\"", "\\", " ", "\n", "\x7f", "\xc3\xa9"};
    std::string s;
    const int length = std::uniform_int_distribution<int>(0, 12)(random);
    for (int i = 0; i < length; ++i)
      s += alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(random)];
    return json(s);
  };
  switch (kind) {
    case 0:
      return std::uniform_int_distribution<int>(-100000, 100000)(random);
    case 1:
      return std::uniform_real_distribution<double>(-1e6, 1e6)(random);
    case 2:
      return text();
    case 3:
      return std::uniform_int_distribution<int>(0, 2)(random) == 0 ? json(nullptr) : json(true);
    case 4: {
      json array = json::array();
      const int count = std::uniform_int_distribution<int>(0, 4)(random);
      for (int i = 0; i < count; ++i) array.push_back(random_value(random, depth + 1));
      return array;
    }
    default: {
      json object = json::object();
      const int count = std::uniform_int_distribution<int>(0, 4)(random);
      for (int i = 0; i < count; ++i)
        object["k" + std::to_string(i) + "{"] = random_value(random, depth + 1);
      return object;
    }
  }
}

TEST(JsonMembers, AgreesWithAFullParser) {
  std::mt19937 random(11);
  for (int round = 0; round < 300; ++round) {
    json document = json::object();
    const int count = std::uniform_int_distribution<int>(0, 8)(random);
    for (int i = 0; i < count; ++i)
      document["chain-" + std::to_string(i)] = random_value(random, 0);
    const int indent = std::uniform_int_distribution<int>(-1, 3)(random);
    const std::string text = document.dump(indent);
    const auto members = json_object_members(text);
    ASSERT_TRUE(members.has_value()) << text;
    ASSERT_EQ(members->size(), document.size()) << text;
    std::size_t i = 0;
    for (const auto& [key, value] : document.items()) {
      EXPECT_EQ((*members)[i].key, key);
      EXPECT_EQ(json::parse((*members)[i].value), value) << text;
      ++i;
    }
    // No prefix of a valid object is a valid object.
    for (std::size_t cut = 0; cut + 1 < text.size(); cut += 1 + text.size() / 40)
      EXPECT_FALSE(json_object_members(std::string_view(text).substr(0, cut)).has_value())
          << text.substr(0, cut);
  }
}

}  // namespace
}  // namespace qrexec_proxy
