#include "cli/go_template.h"

#include <gtest/gtest.h>

namespace wharf::cli {
namespace {

std::string run(const std::string& t, const Json& data) {
  auto tmpl = GoTemplate::parse(t);
  if (!tmpl.ok()) return "PARSE ERROR: " + tmpl.error().message();
  auto out = tmpl->execute(data);
  if (!out.ok()) return "EXEC ERROR: " + out.error().message();
  return *out;
}

const Json kContainer = {
    {"Id", "abc123"},
    {"State", {{"Status", "exited"}, {"ExitCode", 3}, {"Running", false}}},
    {"Config", {{"Cmd", {"sh", "-c", "exit 3"}}, {"Labels", {{"a", "1"}, {"b.c", "2"}}}}},
    {"Name", "/web"},
    {"Mounts", Json::array()}};

TEST(GoTemplateTest, FieldsAndText) {
  EXPECT_EQ(run("{{.Id}}", kContainer), "abc123");
  EXPECT_EQ(run("id={{.Id}} state={{.State.Status}}", kContainer), "id=abc123 state=exited");
  EXPECT_EQ(run("{{.State.ExitCode}}", kContainer), "3");
  EXPECT_EQ(run("{{.State.Running}}", kContainer), "false");
  EXPECT_EQ(run("{{.Config.Cmd}}", kContainer), "[sh -c exit 3]");
  EXPECT_EQ(run("{{.Missing}}", kContainer), "<no value>");
  EXPECT_EQ(run("{{.Id}}{{\"\\t\"}}{{.Name}}", kContainer), "abc123\t/web");
  EXPECT_EQ(run("plain text", kContainer), "plain text");
}

TEST(GoTemplateTest, Json) {
  EXPECT_EQ(run("{{json .Config.Cmd}}", kContainer), R"(["sh","-c","exit 3"])");
  EXPECT_EQ(run("{{json .State}}", kContainer),
            R"({"ExitCode":3,"Running":false,"Status":"exited"})");
  EXPECT_EQ(run("{{.Config.Labels | json}}", kContainer), R"({"a":"1","b.c":"2"})");
  EXPECT_EQ(run("{{json .}}", Json{{"x", "<&>"}}), R"({"x":"<&>"})");
}

// Issue 9, point 11: Go's width, precision and flags in printf.
TEST(GoTemplateTest, PrintfWidthAndPrecision) {
  EXPECT_EQ(run("{{printf \"%.5s\" .Id}}", kContainer), "abc12");
  EXPECT_EQ(run("{{printf \"%.50s\" .Id}}", kContainer), "abc123");
  EXPECT_EQ(run("{{printf \"%-8s|\" .Id}}", kContainer), "abc123  |");
  EXPECT_EQ(run("{{printf \"%8s|\" .Id}}", kContainer), "  abc123|");
  EXPECT_EQ(run("{{printf \"%5d|%-4d|%04d\" .State.ExitCode .State.ExitCode .State.ExitCode}}",
                kContainer),
            "    3|3   |0003");
  EXPECT_EQ(run("{{printf \"%6.3s|\" .State.Status}}", kContainer), "   exi|");
  EXPECT_EQ(run("{{printf \"%x\" .State.ExitCode}}", kContainer), "3");
  EXPECT_EQ(run("{{printf \"%q\" .Id}}", kContainer), "\"abc123\"");
  EXPECT_EQ(run("{{printf \"%d%%\" .State.ExitCode}}", kContainer), "3%");
  EXPECT_EQ(run("{{printf \"%s %s\" .Id}}", kContainer), "abc123 %!s(MISSING)");
  // A width cannot ask for gigabytes.
  EXPECT_LE(run("{{printf \"%999999999s\" .Id}}", kContainer).size(), 4096u);
}

TEST(GoTemplateTest, Functions) {
  EXPECT_EQ(run("{{join .Config.Cmd \",\"}}", kContainer), "sh,-c,exit 3");
  EXPECT_EQ(run("{{index .Config.Labels \"b.c\"}}", kContainer), "2");
  EXPECT_EQ(run("{{upper .State.Status}}", kContainer), "EXITED");
  EXPECT_EQ(run("{{len .Config.Cmd}}", kContainer), "3");
  EXPECT_EQ(run("{{printf \"%s:%d\" .Id .State.ExitCode}}", kContainer), "abc123:3");
  EXPECT_EQ(run("{{truncate .Id 3}}", kContainer), "abc");
  EXPECT_EQ(run("{{println .Id}}", kContainer), "abc123\n");
  EXPECT_EQ(run("{{eq .State.Status \"exited\"}}", kContainer), "true");
}

TEST(GoTemplateTest, ControlFlow) {
  EXPECT_EQ(run("{{if .State.Running}}up{{else}}down{{end}}", kContainer), "down");
  EXPECT_EQ(run("{{if eq .State.ExitCode 3}}three{{end}}", kContainer), "three");
  EXPECT_EQ(run("{{range .Config.Cmd}}[{{.}}]{{end}}", kContainer), "[sh][-c][exit 3]");
  EXPECT_EQ(run("{{range .Mounts}}x{{else}}none{{end}}", kContainer), "none");
  EXPECT_EQ(run("{{with .State}}{{.Status}}{{end}}", kContainer), "exited");
  EXPECT_EQ(run("a  {{- .Id -}}  b", kContainer), "aabc123b");
  EXPECT_EQ(run("{{range $.Config.Cmd}}{{$.Id}}{{end}}", kContainer), "abc123abc123abc123");
}

TEST(GoTemplateTest, HeaderModePassesFunctionArgumentsThrough) {
  auto t = GoTemplate::parse("{{.ID}}\t{{json .Labels}}\t{{upper .Names}}");
  ASSERT_TRUE(t.ok());
  Json titles = {{"ID", "CONTAINER ID"}, {"Labels", "LABELS"}, {"Names", "NAMES"}};
  EXPECT_EQ(*t->execute(titles, true), "CONTAINER ID\tLABELS\tNAMES");
  EXPECT_EQ(*t->execute(titles), "CONTAINER ID\t\"LABELS\"\tNAMES");
}

TEST(GoTemplateTest, LabelMethod) {
  EXPECT_EQ(run("{{.Label \"b.c\"}}", kContainer["Config"]), "2");
  EXPECT_EQ(run("{{.Label \"b\"}}", Json{{"Labels", "a=1,b=two"}}), "two");
  EXPECT_EQ(run("[{{.Label \"zz\"}}]", Json{{"Labels", "a=1"}}), "[]");
}

TEST(GoTemplateTest, Errors) {
  EXPECT_NE(run("{{.Id", kContainer).find("PARSE ERROR"), std::string::npos);
  EXPECT_NE(run("{{if .Id}}x", kContainer).find("PARSE ERROR"), std::string::npos);
  EXPECT_NE(run("{{end}}", kContainer).find("PARSE ERROR"), std::string::npos);
  EXPECT_NE(run("{{nosuchfunc .Id}}", kContainer).find("function \"nosuchfunc\" not defined"),
            std::string::npos);
  EXPECT_NE(run("{{.Id.Sub}}", kContainer).find("can't evaluate field Sub"), std::string::npos);
}

}  // namespace
}  // namespace wharf::cli
