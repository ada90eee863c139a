#include "input/names.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::names {
namespace {

TEST(QubeName, AcceptsQubesNames) {
  for (const char* name :
       {"dst", "sys-net", "work_2", "A", "dom0", "a234567890123456789012345678901"})
    EXPECT_TRUE(is_qube_name(name)) << name;
}

TEST(QubeName, RefusesWhatQubesRefuses) {
  for (const char* name : {"", "2dst", "-dst", "_dst", "dst.x", "d st", "dst+x", "dst/x", "..",
                           "default", "none", "@dispvm", "a2345678901234567890123456789012"})
    EXPECT_FALSE(is_qube_name(name)) << name;
}

TEST(QubeName, DestinationsExcludeTheNamesQubesReserves) {
  for (const char* name : {"dst", "dom0", "sys-net", "dm", "sys-dmz", "dm-crypt"})
    EXPECT_TRUE(is_destination_qube_name(name)) << name;
  for (const char* name : {"Domain-0", "sys-net-dm", "work-dm", "-dm", "default"})
    EXPECT_FALSE(is_destination_qube_name(name)) << name;
}

TEST(ServiceName, AcceptsServiceNames) {
  for (const char* name : {"qubes.Filecopy", "my-service", "a_b.c", "x", "3.x"})
    EXPECT_TRUE(is_service_name(name)) << name;
  EXPECT_TRUE(is_service_name(std::string(255, 's')));
}

TEST(ServiceName, RefusesLeadingDotOrDashAndOtherCharacters) {
  for (const char* name : {"", ".hidden", "-n", "..", "a+b", "a/b", "a b", "a\nb", "a:b"})
    EXPECT_FALSE(is_service_name(name)) << name;
  EXPECT_FALSE(is_service_name(std::string(256, 's')));
}

TEST(ServiceArgument, AllowsPlusAndEmpty) {
  EXPECT_TRUE(is_service_argument(""));
  EXPECT_TRUE(is_service_argument("a+b.c-d_e"));
  EXPECT_TRUE(is_service_argument("-starts-with-dash"));
  EXPECT_FALSE(is_service_argument("a/b"));
  EXPECT_FALSE(is_service_argument("a b"));
  EXPECT_FALSE(is_service_argument(std::string(max_service_argument + 1, 'a')));
}

TEST(ChainName, IsASafeFileName) {
  for (const char* name : {"one-way", "3pass", "none", "a.b_c"})
    EXPECT_TRUE(is_chain_name(name)) << name;
  for (const char* name : {"", ".", "..", ".x", "-x", "a+b", "a/b", "a b"})
    EXPECT_FALSE(is_chain_name(name)) << name;
  EXPECT_FALSE(is_chain_name(std::string(max_chain_name + 1, 'c')));
}

}  // namespace
}  // namespace qrexec_proxy::names
