// Text clawshield reads from the host, judged totally: bounded JSON (depth, numbers, position
// of the failure), OpenClaw's gateway bind for every JSON shape (never pass for garbage), and
// host text made valid UTF-8 before it goes into JSON output.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "core/bounded_json.h"
#include "layers/openclaw/openclaw_layer.h"

namespace clawshield {
namespace {

TEST(BoundedJson, NumbersNoDoubleHoldsAreBadInputWithThePosition) {
  auto parsed = parse_json_bounded("{\n  \"x\": 1e999}", "daemon.json", JsonComments::rejected);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::bad_input);
  EXPECT_NE(parsed.error().message.find("daemon.json:2:8: number 1e999 is out of range"),
            std::string::npos)
      << parsed.error().message;
  EXPECT_FALSE(parse_json_bounded("[-" + std::string(400, '9') + "]", "f", JsonComments::rejected));
  // Small numbers round to zero, as they always did.
  EXPECT_TRUE(
      parse_json_bounded("[1e-999, 1.5, -3, 18446744073709551616]", "f", JsonComments::rejected));
}

TEST(BoundedJson, DeepNestingIsRefusedQuickly) {
  for (size_t depth : {65u, 5000u, 200000u}) {
    const auto start = std::chrono::steady_clock::now();
    auto parsed = parse_json_bounded(std::string(depth, '[') + std::string(depth, ']'), "f",
                                     JsonComments::rejected);
    ASSERT_FALSE(parsed) << depth;
    EXPECT_NE(parsed.error().message.find("f:1:65: nested deeper than 64 levels"),
              std::string::npos)
        << parsed.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  }
  EXPECT_TRUE(
      parse_json_bounded(std::string(64, '[') + std::string(64, ']'), "f", JsonComments::rejected));
  // Brackets inside strings and comments do not count; a quote in a comment does not open a
  // string that would hide the brackets after it.
  EXPECT_TRUE(parse_json_bounded("{\"k\": \"" + std::string(100, '[') + "\\\"\"}", "f",
                                 JsonComments::rejected));
  EXPECT_FALSE(parse_json_bounded("// \"\n" + std::string(100, '[') + std::string(100, ']'), "f",
                                  JsonComments::allowed));
  EXPECT_TRUE(parse_json_bounded("/* [[[[ */ {\"a\": 1} // ]]]\n", "f", JsonComments::allowed));
}

TEST(BoundedJson, SyntaxErrorsNameLineAndColumn) {
  auto parsed = parse_json_bounded("{\n\"a\": tru}", "x.json", JsonComments::rejected);
  ASSERT_FALSE(parsed);
  EXPECT_TRUE(parsed.error().message.starts_with("x.json:2:")) << parsed.error().message;
  EXPECT_FALSE(parse_json_bounded("{} // c", "x.json", JsonComments::rejected));
}

TEST(ValidUtf8, InvalidBytesAreReplacedValidTextKept) {
  EXPECT_EQ(valid_utf8("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
  EXPECT_EQ(valid_utf8("a\xff"
                       "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(valid_utf8("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(valid_utf8("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(valid_utf8("\xe2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // cut short
  nlohmann::json document = {{"evidence", "User \xff\xfe"}};
  EXPECT_NO_THROW({ EXPECT_FALSE(dump_json(document).empty()); });
}

Status judged(const std::string& text, TailnetTrust tailnet = TailnetTrust::untrusted) {
  return judge_gateway_bind(text, "openclaw.json", tailnet).status;
}

TEST(GatewayBind, EveryShapeIsJudgedAndGarbageNeverPasses) {
  EXPECT_EQ(judged(R"({"gateway": {"bind": "loopback"}})"), Status::pass);
  EXPECT_EQ(judged(R"({"agents": {}})"), Status::pass);
  EXPECT_EQ(judged(R"({"gateway": {}})"), Status::pass);
  EXPECT_EQ(judged(R"({"gateway": {"bind": "tailnet"}})", TailnetTrust::trusted), Status::pass);
  EXPECT_EQ(judged(R"({"gateway": {"bind": "tailnet"}})"), Status::fail);
  EXPECT_EQ(judged(R"({"gateway": {"bind": "custom", "customBindHost": "127.0.0.1"}})"),
            Status::pass);
  // JSON5, as OpenClaw reads it: 1e999 is Infinity, a number (not a reason to give up).
  EXPECT_EQ(judged(R"({gateway: {bind: 'loopback',}, x: 1e999})"), Status::pass);
  for (const char* text : {
           R"({"gateway": {"bind": null}})",
           R"({"gateway": {"bind": 5}})",
           R"({"gateway": {"bind": ["x"]}})",
           R"({"gateway": {"bind": {"a": 1}}})",
           R"({"gateway": {"bind": true}})",
           R"({"gateway": {"bind": "lan"}})",
           R"({"gateway": {"bind": "auto"}})",
           R"({"gateway": {"bind": "LOOPBACK"}})",
           R"({"gateway": {"bind": "custom"}})",
           R"({"gateway": {"bind": "custom", "customBindHost": 127}})",
           R"({"gateway": {"bind": "custom", "customBindHost": ["127.0.0.1"]}})",
           R"({"gateway": {"bind": "custom", "customBindHost": null}})",
           R"({"gateway": {"bind": "custom", "customBindHost": "0.0.0.0"}})",
           // OpenClaw takes only a dotted-decimal IPv4 here; anything else binds 0.0.0.0.
           R"({"gateway": {"bind": "custom", "customBindHost": "::1"}})",
           R"({"gateway": {"bind": "custom", "customBindHost": "localhost"}})",
           R"({"gateway": "lan"})",
           R"({"gateway": null})",
           R"({"gateway": 5})",
           R"({"gateway": ["loopback"]})",
       }) {
    auto result = judge_gateway_bind(text, "openclaw.json", TailnetTrust::trusted);
    EXPECT_EQ(result.status, Status::fail) << text << " -> " << result.evidence;
    EXPECT_FALSE(result.evidence.empty()) << text;
  }
  for (const char* text : {"", "{", "[]", "5", "\"loopback\"", "null", "\xff\xfe",
                           "{\"gateway\": {\"bind\": \"\xff\"}}"}) {
    auto result = judge_gateway_bind(text, "openclaw.json", TailnetTrust::trusted);
    EXPECT_EQ(result.status, Status::unknown) << text << " -> " << result.evidence;
    EXPECT_FALSE(result.evidence.empty()) << text;
  }
  EXPECT_EQ(judged(std::string(100000, '{')), Status::unknown);
}

}  // namespace
}  // namespace clawshield
