// The nftables adapter on JSON captured from nft 1.0.6 (tests/data/nft: ruleset.nft loaded in a
// namespace, then `nft -j list ...`), the firewall's judging on the typed state, and JSON of
// the wrong shape: an error naming where, never a crash and never a passing check.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "host/clock.h"
#include "host/filesystem.h"
#include "host/nft_state.h"
#include "host/runner.h"
#include "layers/firewall/kernel_rules.h"
#include "layers/guard/guard_layer.h"
#include "support/fake_nftables.h"
#include "support/temp_root.h"

namespace clawshield {
namespace {

std::string captured(const std::string& name) {
  std::ifstream in(std::string(CLAWSHIELD_TEST_DATA) + "/nft/" + name);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << name;
  return text.str();
}

NftState parsed(const std::string& name) {
  auto state = parse_nft_json(captured(name), name);
  EXPECT_TRUE(state) << (state ? "" : state.error().message);
  return state ? *state : NftState{};
}

// Answers each command with a fixed text; anything else "does not exist".
class ScriptedNftables final : public Nftables {
 public:
  std::map<std::string, std::string, std::less<>> answers;
  Result<std::string> run(std::string_view commands, NftOutput) override {
    auto found = answers.find(commands);
    if (found == answers.end())
      return fail(ErrorCode::not_found, "nftables: No such file or directory");
    return found->second;
  }
};

TEST(NftState, DecodesOurTableWithTypedChainsSetsAndRules) {
  NftState state = parsed("table_clawshield.json");
  ASSERT_EQ(state.tables.size(), 1u);
  EXPECT_EQ(state.tables[0].family, "inet");
  EXPECT_EQ(state.tables[0].name, "clawshield");

  const NftSet* v4 = state.find_set("inet", "clawshield", "ban_v4");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->type, "ipv4_addr");
  EXPECT_EQ(v4->flags, (std::vector<std::string>{"interval", "timeout"}));
  EXPECT_TRUE(v4->elements.empty());  // terse: no elements
  EXPECT_TRUE(state.find_set("inet", "clawshield", "ban_v6"));
  EXPECT_FALSE(state.find_set("ip", "clawshield", "ban_v4"));

  const NftChain* input = state.find_chain("inet", "clawshield", "input");
  ASSERT_TRUE(input);
  EXPECT_EQ(input->type, "filter");
  EXPECT_EQ(input->hook, "input");
  EXPECT_EQ(input->priority, -10);  // "filter - 10"
  EXPECT_EQ(input->policy, "drop");
  EXPECT_EQ(input->qualified_table(), "inet clawshield");
  const NftChain* output = state.find_chain("inet", "clawshield", "output");
  ASSERT_TRUE(output);
  EXPECT_EQ(output->policy, "accept");
  EXPECT_TRUE(state.rules_of(*output).empty());

  auto rules = state.rules_of(*input);
  ASSERT_EQ(rules.size(), 16u);
  // iifname { "tailscale0", "wg0" } tcp dport 18789 accept comment "app, trusted interfaces only"
  const NftRule& app = *rules.back();
  EXPECT_EQ(app.comment, "app, trusted interfaces only");
  ASSERT_EQ(app.statements.size(), 3u);
  const auto& interfaces = std::get<NftMatch>(app.statements[0]);
  EXPECT_EQ(interfaces.left.kind, NftSelectorKind::meta);
  EXPECT_EQ(interfaces.left.key, "iifname");
  ASSERT_EQ(interfaces.right.size(), 2u);
  EXPECT_EQ(interfaces.right[0].text, "wg0");
  EXPECT_EQ(interfaces.right[1].text, "tailscale0");
  const auto& port = std::get<NftMatch>(app.statements[1]);
  EXPECT_EQ(port.left.kind, NftSelectorKind::payload);
  EXPECT_EQ(port.left.protocol, "tcp");
  EXPECT_EQ(port.left.key, "dport");
  ASSERT_EQ(port.right.size(), 1u);
  EXPECT_EQ(port.right[0].kind, NftValueKind::number);
  EXPECT_EQ(port.right[0].low, 18789);
  ASSERT_TRUE(app.verdict());
  EXPECT_EQ(app.verdict()->kind, NftVerdictKind::accept);
  // icmp type echo-request limit rate 10/second accept: the limit kept by name.
  const NftRule& echo = *rules[6];
  ASSERT_EQ(echo.statements.size(), 3u);
  EXPECT_EQ(std::get<NftOtherStatement>(echo.statements[1]).name, "limit");
  // ip6 saddr fe80::/10 udp sport 547 udp dport 546 accept
  const auto& link_local = std::get<NftMatch>(rules[11]->statements[0]);
  ASSERT_EQ(link_local.right.size(), 1u);
  EXPECT_EQ(link_local.right[0].kind, NftValueKind::prefix);
  EXPECT_EQ(link_local.right[0].display(), "fe80::/10");
}

TEST(NftState, DecodesChainHeadersOfEveryTable) {
  auto tables = parse_nft_json(captured("tables.json"), "tables");
  ASSERT_TRUE(tables);
  ASSERT_EQ(tables->tables.size(), 4u);
  EXPECT_EQ(tables->tables[2].family, "ip6");
  EXPECT_EQ(tables->tables[2].name, "firewalld");
  NftState headers = parsed("chains.json");
  const NftChain* docker = headers.find_chain("ip", "filter", "DOCKER");
  ASSERT_TRUE(docker);
  EXPECT_EQ(docker->hook, "");  // a regular chain
  EXPECT_EQ(docker->policy, "");
  const NftChain* forward = headers.find_chain("ip", "filter", "FORWARD");
  ASSERT_TRUE(forward);
  EXPECT_EQ(forward->priority, 0);
  EXPECT_EQ(forward->policy, "drop");
  const NftChain* nat = headers.find_chain("ip6", "firewalld", "x");
  ASSERT_TRUE(nat);
  EXPECT_EQ(nat->type, "nat");
  EXPECT_EQ(nat->priority, -100);  // "dstnat"
  EXPECT_EQ(nat->policy, "accept");
  const NftChain* raw = headers.find_chain("inet", "f2", "raw1");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->priority, -300);  // "raw"
}

TEST(NftState, ReadsSetElementsWithTheirTimeLeft) {
  ScriptedNftables nft;
  nft.answers["list set inet clawshield ban_v4"] = captured("set_ban_v4.json");
  nft.answers["list set inet clawshield ban_v6"] = captured("set_ban_v6.json");
  auto v4 = set_elements(nft, "clawshield", "ban_v4");
  ASSERT_TRUE(v4) << v4.error().message;
  EXPECT_EQ(*v4, "1.2.3.4 timeout 3599s, 10.0.0.0/8");
  auto v6 = set_elements(nft, "clawshield", "ban_v6");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(*v6, "2001:db8::/32 timeout 599s");
  auto missing = set_elements(nft, "clawshield", "nosuch");
  ASSERT_TRUE(missing);
  EXPECT_EQ(*missing, "");
  nft.answers["list set inet clawshield ban_v4"] =
      R"({"nftables": [{"set": {"family": "inet", "name": "ban_v4", "table": "clawshield",
          "type": "ipv4_addr", "elem": [{"elem": {"val": "1.2.3.4", "expires": "soon"}}]}}]})";
  auto hostile = set_elements(nft, "clawshield", "ban_v4");
  ASSERT_FALSE(hostile);
  EXPECT_NE(hostile.error().message.find("nftables[0].set.elem[0].elem.expires: not an integer"),
            std::string::npos)
      << hostile.error().message;
}

TEST(FirewallKernelRules, JudgesTheCapturedRuleset) {
  NftState table = parsed("table_clawshield.json");
  const NftChain* input = table.find_chain("inet", "clawshield", "input");
  const NftChain* forward = table.find_chain("inet", "clawshield", "forward");
  ASSERT_TRUE(input && forward);
  // Not 68/udp (a DHCP reply rule), 546/udp (source fe80::/10) or 18789/tcp (iifname).
  EXPECT_EQ(open_ports(table, *input),
            (std::set<std::string>{"22/tcp", "2222/tcp", "41641/udp", "443/tcp"}));
  EXPECT_TRUE(drops_dnat(table, *forward));
  EXPECT_FALSE(drops_dnat(table, *input));
  for (const NftChain* chain : {input, forward}) {
    EXPECT_TRUE(drops_set_members(table, *chain, "ip", "ban_v4"));
    EXPECT_TRUE(drops_set_members(table, *chain, "ip6", "ban_v6"));
    EXPECT_FALSE(drops_set_members(table, *chain, "ip", "ban_v6"));
  }

  auto headers = parse_nft_json(captured("tables.json"), "tables");
  ASSERT_TRUE(headers);
  headers->chains = parsed("chains.json").chains;
  EXPECT_TRUE(forward_chains_before(*headers, "inet clawshield", -10).empty());
  EXPECT_EQ(forward_chains_before(*headers, "inet clawshield", 0),
            (std::vector<std::string>{"ip filter FORWARD (priority 0)"}));
  EXPECT_EQ(competing_tables(*headers, "inet clawshield"),
            (std::vector<std::string>{
                "firewalld's table is loaded",
                "ip filter chain INPUT drops by default (may block SSH or Tailscale)",
                "ufw's chains are loaded"}));
}

TEST(FirewallKernelRules, ACommentOrAnotherStatementIsNotTheRule) {
  // `ct status dnat counter drop` and a comment naming iifname: the text search was fooled by
  // both; the statements are not.
  auto state = parse_nft_json(R"({"nftables": [
    {"chain": {"family": "inet", "table": "t", "name": "f", "type": "filter", "hook": "forward",
               "prio": 0, "policy": "drop"}},
    {"rule": {"family": "inet", "table": "t", "chain": "f", "comment": "iifname saddr",
              "expr": [{"match": {"op": "in", "left": {"ct": {"key": "status"}}, "right": "dnat"}},
                       {"counter": {"packets": 0, "bytes": 0}}, {"drop": null}]}},
    {"rule": {"family": "inet", "table": "t", "chain": "f", "comment": "iifname saddr",
              "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}},
                                  "right": {"range": [1000, 2000]}}}, {"accept": null}]}}]})",
                              "inline");
  ASSERT_TRUE(state) << state.error().message;
  const NftChain* chain = state->find_chain("inet", "t", "f");
  ASSERT_TRUE(chain);
  EXPECT_FALSE(drops_dnat(*state, *chain));
  EXPECT_EQ(open_ports(*state, *chain), (std::set<std::string>{"1000-2000/tcp"}));
}

TEST(NftState, WrongShapesAreErrorsNamingWhere) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "1:1"},
      {"not json", "1:"},
      {"[]", "(document): not an object"},
      {R"({"nft": []})", "(document): missing \"nftables\""},
      {R"({"nftables": {}})", "nftables: not an array"},
      {R"({"nftables": [1]})", "nftables[0]: not an object with one key"},
      {R"({"nftables": [{"table": {"family": "inet", "name": "a"}, "chain": {}}]})",
       "nftables[0]: not an object with one key"},
      {R"({"nftables": [{"table": "clawshield"}]})", "nftables[0].table: not an object"},
      {R"({"nftables": [{"table": {"family": "inet"}}]})", "nftables[0].table: missing \"name\""},
      {R"({"nftables": [{"chain": {"family": "inet", "table": "t", "name": 3}}]})",
       "nftables[0].chain.name: not a string"},
      {R"({"nftables": [{"chain": {"family": "inet", "table": "t", "name": "c", "type": "filter",
           "hook": "input", "prio": "filter", "policy": "drop"}}]})",
       "nftables[0].chain.prio: not an integer"},
      {R"({"nftables": [{"chain": {"family": "inet", "table": "t", "name": "c", "type": "filter",
           "hook": "input", "prio": 1.5}}]})",
       "nftables[0].chain.prio: not an integer"},
      {R"({"nftables": [{"chain": {"family": "inet", "table": "t", "name": "c", "type": "filter",
           "hook": "input", "prio": 99999999999}}]})",
       "nftables[0].chain.prio: out of range"},
      {R"({"nftables": [{"chain": {"family": "inet", "table": "t", "name": "c", "hook": "input",
           "type": "filter"}}]})",
       "nftables[0].chain: missing \"prio\""},
      {R"({"nftables": [{"rule": {"family": "inet", "table": "t", "chain": "c"}}]})",
       "nftables[0].rule: missing \"expr\""},
      {R"({"nftables": [{"rule": {"family": "inet", "table": "t", "chain": "c", "expr": {}}}]})",
       "nftables[0].rule.expr: not an array"},
      {R"({"nftables": [{"rule": {"family": "inet", "table": "t", "chain": "c",
           "expr": [{"match": {"op": "==", "left": {"meta": {}}, "right": "lo"}}]}}]})",
       "nftables[0].rule.expr[0].match.left.meta: missing \"key\""},
      {R"({"nftables": [{"rule": {"family": "inet", "table": "t", "chain": "c",
           "expr": [{"match": {"op": "==", "left": {"ct": {"key": "status"}}}}]}}]})",
       "nftables[0].rule.expr[0].match: missing \"right\""},
      {R"({"nftables": [{"rule": {"family": "inet", "table": "t", "chain": "c",
           "expr": [{"match": {"op": "==", "left": {"ct": {"key": "status"}},
                               "right": {"set": "dnat"}}}]}}]})",
       "nftables[0].rule.expr[0].match.right.set: not an array"},
      {R"({"nftables": [{"rule": {"family": "inet", "table": "t", "chain": "c",
           "expr": [{"jump": {}}]}}]})",
       "nftables[0].rule.expr[0].jump: missing \"target\""},
      {R"({"nftables": [{"rule": {"family": "inet", "table": "t", "chain": "c",
           "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}},
                               "right": {"range": [1, "b"]}}}]}}]})",
       "nftables[0].rule.expr[0].match.right.range: not two numbers or two addresses"},
      {R"({"nftables": [{"set": {"family": "inet", "table": "t", "name": "s", "type": 4}}]})",
       "nftables[0].set.type: not a string or a list of strings"},
      {R"({"nftables": [{"set": {"family": "inet", "table": "t", "name": "s", "type": "ipv4_addr",
           "elem": [{"prefix": {"addr": "10.0.0.0"}}]}}]})",
       "nftables[0].set.elem[0].prefix: missing \"len\""},
      {std::string(200, '[') + std::string(200, ']'), "deeper"},
  };
  for (const auto& [text, where] : cases) {
    auto state = parse_nft_json(text, "listing");
    ASSERT_FALSE(state) << text;
    EXPECT_EQ(state.error().code, ErrorCode::bad_input) << text;
    EXPECT_NE(state.error().message.find(where), std::string::npos)
        << text << " -> " << state.error().message;
    EXPECT_TRUE(state.error().message.starts_with("listing")) << state.error().message;
  }
  // What the adapter does not model is skipped or kept by name, not an error.
  auto odd = parse_nft_json(R"({"nftables": [{"metainfo": {"version": 1}}, {"map": 3},
      {"rule": {"family": "inet", "table": "t", "chain": "c",
                "expr": [{"xt": {"type": "target", "name": "DNAT"}}, {"counter": null}]}}]})",
                            "listing");
  ASSERT_TRUE(odd) << odd.error().message;
  ASSERT_EQ(odd->rules.size(), 1u);
  EXPECT_EQ(std::get<NftOtherStatement>(odd->rules[0].statements[0]).name, "xt");
  EXPECT_FALSE(odd->rules[0].verdict());
}

// The guard layer's ban_sets check judges the typed table: the captured one passes, a table
// whose listing has the wrong shape is unknown (with the adapter's reason), never a pass.
TEST(GuardBanSets, JudgedFromTheTypedTable) {
  testing::TempDir root;
  testing::seed_minimal_root(root.path());
  auto fs = Filesystem::open(root.path());
  ASSERT_TRUE(fs);
  ProcessRunner runner;
  SystemClock clock;
  ScriptedNftables nft;
  Host host{*fs, runner, clock, nft, Liveness::offline, false};
  host.own_network = true;
  Policy policy;
  const HostView view = host.view();
  auto ban_sets = [&]() {
    for (auto& finding : GuardLayer{Role::active}.verify(Context{view, policy}))
      if (finding.id == "guard.ban_sets")
        return finding;
    ADD_FAILURE() << "no ban_sets finding";
    return Finding{};
  };
  nft.answers["list table inet clawshield"] = captured("table_clawshield.json");
  Finding found = ban_sets();
  EXPECT_EQ(found.status, Status::pass) << found.evidence;
  EXPECT_EQ(found.evidence, "ban_v4 and ban_v6 dropped on input and forward");

  // The forward chain's ban rules removed: named as the text check named them.
  NftState table = parsed("table_clawshield.json");
  std::string text = captured("table_clawshield.json");
  for (
      const char* rule :
      {R"({"rule": {"family": "inet", "table": "clawshield", "chain": "forward", "handle": 29, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "@ban_v4"}}, {"drop": null}]}}, )"}) {
    auto at = text.find(rule);
    ASSERT_NE(at, std::string::npos);
    text.erase(at, std::string(rule).size());
  }
  nft.answers["list table inet clawshield"] = text;
  found = ban_sets();
  EXPECT_EQ(found.status, Status::fail);
  EXPECT_EQ(found.evidence, "missing: forward: ip saddr @ban_v4 drop");

  nft.answers["list table inet clawshield"] =
      R"({"nftables": [{"set": {"family": "inet", "table": "clawshield", "name": "ban_v4"}}]})";
  found = ban_sets();
  EXPECT_EQ(found.status, Status::unknown);
  EXPECT_NE(found.evidence.find("missing \"type\""), std::string::npos) << found.evidence;

  nft.answers.erase("list table inet clawshield");
  found = ban_sets();
  EXPECT_EQ(found.status, Status::fail);
  EXPECT_EQ(found.evidence, "missing: no table inet clawshield");
}

}  // namespace
}  // namespace clawshield
