package io.switchboard.evals.suite;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.switchboard.api.ApiInput;
import io.switchboard.evals.suite.Expectation.ToolMatch;
import io.switchboard.evals.suite.SuiteSpec.CaseSpec;
import io.switchboard.evals.suite.SuiteSpec.SimulatedUser;
import io.switchboard.evals.suite.SuiteSpec.TurnSpec;
import java.io.StringReader;
import java.math.BigDecimal;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a suite document, YAML or JSON (JSON is YAML), into a {@link SuiteSpec}, checking every field: a document
 * that does not parse, a missing or unknown field, a value of the wrong kind or an unknown expectation is a
 * {@link Invalid} naming the line and the field. The document is composed into nodes (SnakeYAML, no objects
 * constructed, aliases bounded) so each value knows its line.
 */
public final class SuiteParser {
    public static final Set<String> EXPECTATIONS = Set.of("contains", "not_contains", "regex", "equals", "json_schema",
            "tool_called", "tool_not_called", "tool_sequence", "max_latency_ms", "max_cost_usd", "max_tokens",
            "status", "judge");
    public static final double DEFAULT_MIN_SCORE = 0.7;
    private static final int MAX_TEXT = 32_000;
    private static final int MAX_DOCUMENT = 2_000_000;
    private static final Pattern TOOL_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
    private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int maxCases;

    public SuiteParser(int maxCases) {
        this.maxCases = maxCases;
    }

    /** For documents already stored: checked when they were saved, read again whatever the limits are today. */
    public static SuiteParser forStored() {
        return new SuiteParser(Integer.MAX_VALUE);
    }

    /** What is wrong with a suite document, and where. */
    public static final class Invalid extends RuntimeException {
        private final int line;
        private final String field;

        public Invalid(int line, String field, String message) {
            super((line > 0 ? "line " + line + ", " : "") + (field.isEmpty() ? "" : field + ": ") + message, null,
                    false, false);
            this.line = line;
            this.field = field;
        }

        public int line() {
            return line;
        }

        public String field() {
            return field;
        }
    }

    /** The suite, and its document as plain JSON (what is stored, and read again for each run). */
    public record Parsed(SuiteSpec spec, JsonNode document) {
    }

    public Parsed parse(String text) {
        if (text == null || text.isBlank()) {
            throw new Invalid(0, "", "the suite document is empty");
        }
        if (text.length() > MAX_DOCUMENT) {
            throw new Invalid(0, "", "the suite document is longer than " + MAX_DOCUMENT + " characters");
        }
        String refused = ApiInput.refused(text);
        if (refused != null) {
            throw new Invalid(0, "", "the suite document " + refused);
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(50);
        options.setNestingDepthLimit(50);
        Node root;
        try {
            root = new Yaml(new SafeConstructor(options)).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            throw new Invalid(line, "", "not valid YAML or JSON: " + e.getProblem());
        } catch (YAMLException e) {
            throw new Invalid(0, "", "not valid YAML or JSON: " + e.getMessage());
        }
        if (root == null) {
            throw new Invalid(0, "", "the suite document is empty");
        }
        refuseAliases(root, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
        return new Parsed(suite(root), json(root));
    }

    /**
     * YAML's anchors and aliases are refused: an alias is the same node again, so a small document could expand to
     * gigabytes (or, pointing at itself, without end) once read as JSON.
     */
    private static void refuseAliases(Node node, Set<Node> seen) {
        if (!seen.add(node)) {
            throw new Invalid(line(node), "", "anchors and aliases (&name, *name) are not supported in suites");
        }
        if (node instanceof MappingNode map) {
            for (NodeTuple tuple : map.getValue()) {
                refuseAliases(tuple.getKeyNode(), seen);
                refuseAliases(tuple.getValueNode(), seen);
            }
        } else if (node instanceof SequenceNode sequence) {
            sequence.getValue().forEach(item -> refuseAliases(item, seen));
        }
    }

    private SuiteSpec suite(Node root) {
        Map<String, Node> fields = fields(root, "", Set.of("name", "agent", "version", "repeat", "judge_model",
                "parallel", "pass_threshold", "schedule", "timezone", "cases", "description"));
        String name = text(required(fields, root, "", "name"), "name", 200);
        String agent = text(required(fields, root, "", "agent"), "agent", 200);
        Integer version = fields.containsKey("version") ? (int) whole(fields.get("version"), "version", 1,
                Integer.MAX_VALUE) : null;
        int repeat = fields.containsKey("repeat") ? (int) whole(fields.get("repeat"), "repeat", 1, 20) : 1;
        String judgeModel = fields.containsKey("judge_model") ? text(fields.get("judge_model"), "judge_model", 200)
                : SuiteSpec.DEFAULT_JUDGE_MODEL;
        Integer parallel = fields.containsKey("parallel") ? (int) whole(fields.get("parallel"), "parallel", 1, 64)
                : null;
        double threshold = fields.containsKey("pass_threshold")
                ? fraction(fields.get("pass_threshold"), "pass_threshold") : 1.0;
        if (fields.containsKey("description")) {
            text(fields.get("description"), "description", MAX_TEXT);
        }
        SuiteSpec.Schedule schedule = fields.containsKey("schedule")
                ? schedule(fields.get("schedule"), fields.get("timezone")) : null;
        if (schedule == null && fields.containsKey("timezone")) {
            throw new Invalid(line(fields.get("timezone")), "timezone", "a time zone goes with a schedule");
        }
        List<Node> caseNodes = list(required(fields, root, "", "cases"), "cases");
        if (caseNodes.isEmpty()) {
            throw new Invalid(line(fields.get("cases")), "cases", "a suite needs at least one case");
        }
        if (caseNodes.size() > maxCases) {
            throw new Invalid(line(fields.get("cases")), "cases", "a suite has at most " + maxCases + " cases");
        }
        List<CaseSpec> cases = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < caseNodes.size(); i++) {
            CaseSpec c = testCase(caseNodes.get(i), "cases[" + i + "]", judgeModel);
            if (!names.add(c.name())) {
                throw new Invalid(line(caseNodes.get(i)), "cases[" + i + "].name", "another case is named \""
                        + c.name() + "\": names say which case is which from run to run");
            }
            cases.add(c);
        }
        return new SuiteSpec(name, agent, version, repeat, judgeModel, parallel, threshold, schedule,
                List.copyOf(cases));
    }

    /** Unix cron's five fields, or six with seconds first; in {@code timezone} (IANA, default UTC). */
    private static SuiteSpec.Schedule schedule(Node cronNode, Node zoneNode) {
        String cron = nonBlank(cronNode, "schedule");
        ZoneId zone = ZoneOffset.UTC;
        if (zoneNode != null) {
            try {
                zone = ZoneId.of(nonBlank(zoneNode, "timezone"));
            } catch (java.time.DateTimeException e) {
                throw new Invalid(line(zoneNode), "timezone", "not a time zone (e.g. Europe/Berlin, UTC)");
            }
        }
        int fields = cron.split("\\s+").length;
        if (fields != 5 && fields != 6) {
            throw new Invalid(line(cronNode), "schedule", "cron has five fields (minute hour day month weekday),"
                    + " or six with seconds first");
        }
        try {
            Cron parsed = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(fields == 5 ? CronType.UNIX
                    : CronType.SPRING53)).parse(cron).validate();
            return new SuiteSpec.Schedule(cron, zone, ExecutionTime.forCron(parsed));
        } catch (IllegalArgumentException e) {
            throw new Invalid(line(cronNode), "schedule", "not a cron expression: " + e.getMessage());
        }
    }

    private CaseSpec testCase(Node node, String at, String judgeModel) {
        Map<String, Node> fields = fields(node, at, Set.of("name", "turns", "simulated_user", "expect",
                "description"));
        String name = text(required(fields, node, at, "name"), at + ".name", 200);
        if (fields.containsKey("description")) {
            text(fields.get("description"), at + ".description", MAX_TEXT);
        }
        boolean scripted = fields.containsKey("turns");
        if (scripted == fields.containsKey("simulated_user")) {
            throw new Invalid(line(node), at, "a case has either turns (what the user says) or simulated_user");
        }
        List<TurnSpec> turns = new ArrayList<>();
        SimulatedUser user = null;
        if (scripted) {
            List<Node> turnNodes = list(fields.get("turns"), at + ".turns");
            if (turnNodes.isEmpty() || turnNodes.size() > 50) {
                throw new Invalid(line(fields.get("turns")), at + ".turns", "a case has 1 to 50 turns");
            }
            for (int t = 0; t < turnNodes.size(); t++) {
                String turnAt = at + ".turns[" + t + "]";
                Map<String, Node> turn = fields(turnNodes.get(t), turnAt, Set.of("user", "expect"));
                String text = text(required(turn, turnNodes.get(t), turnAt, "user"), turnAt + ".user", MAX_TEXT);
                turns.add(new TurnSpec(text, expectations(turn.get("expect"), turnAt + ".expect", judgeModel)));
            }
        } else {
            String userAt = at + ".simulated_user";
            Node userNode = fields.get("simulated_user");
            Map<String, Node> sim = fields(userNode, userAt, Set.of("persona", "goal", "max_turns", "model"));
            user = new SimulatedUser(
                    sim.containsKey("persona") ? text(sim.get("persona"), userAt + ".persona", MAX_TEXT) : null,
                    text(required(sim, userNode, userAt, "goal"), userAt + ".goal", MAX_TEXT),
                    sim.containsKey("max_turns") ? (int) whole(sim.get("max_turns"), userAt + ".max_turns", 1, 20)
                            : 5,
                    sim.containsKey("model") ? text(sim.get("model"), userAt + ".model", 200) : judgeModel);
        }
        return new CaseSpec(name, List.copyOf(turns), user,
                expectations(fields.get("expect"), at + ".expect", judgeModel));
    }

    private List<Expectation> expectations(Node node, String at, String judgeModel) {
        if (node == null) {
            return List.of();
        }
        List<Expectation> all = new ArrayList<>();
        List<Node> items = list(node, at);
        for (int i = 0; i < items.size(); i++) {
            all.add(expectation(items.get(i), at + "[" + i + "]", judgeModel));
        }
        return List.copyOf(all);
    }

    private Expectation expectation(Node node, String at, String judgeModel) {
        if (!(node instanceof MappingNode map) || map.getValue().size() != 1) {
            throw new Invalid(line(node), at, "an expectation is one of " + sorted(EXPECTATIONS)
                    + " with its value, e.g. {contains: \"text\"}");
        }
        NodeTuple only = map.getValue().get(0);
        String kind = key(only.getKeyNode(), at);
        Node value = only.getValueNode();
        String field = at + "." + kind;
        int line = line(only.getKeyNode());
        String text = kind + ": " + summary(value);
        return switch (kind) {
            case "contains", "not_contains" -> new Expectation.Contains(nonBlank(value, field), kind.startsWith("not"),
                    text, line);
            case "equals" -> new Expectation.Equals(text(value, field, MAX_TEXT), text, line);
            case "regex" -> {
                try {
                    yield new Expectation.Regex(Pattern.compile(nonBlank(value, field)), text, line);
                } catch (PatternSyntaxException e) {
                    throw new Invalid(line(value), field, "not a regular expression: " + e.getDescription());
                }
            }
            case "json_schema" -> new Expectation.JsonSchema(schema(value, field), text, line);
            case "tool_called", "tool_not_called" -> new Expectation.ToolCalled(tool(value, field),
                    kind.equals("tool_not_called"), text, line);
            case "tool_sequence" -> {
                List<Node> items = list(value, field);
                if (items.isEmpty()) {
                    throw new Invalid(line(value), field, "list at least one tool");
                }
                List<ToolMatch> tools = new ArrayList<>();
                for (int i = 0; i < items.size(); i++) {
                    tools.add(tool(items.get(i), field + "[" + i + "]"));
                }
                yield new Expectation.ToolSequence(List.copyOf(tools), text, line);
            }
            case "max_latency_ms" -> new Expectation.MaxLatency(whole(value, field, 1, Long.MAX_VALUE), text, line);
            case "max_tokens" -> new Expectation.MaxTokens(whole(value, field, 1, Long.MAX_VALUE), text, line);
            case "max_cost_usd" -> {
                BigDecimal usd = number(value, field);
                if (usd.signum() < 0) {
                    throw new Invalid(line(value), field, "must not be negative");
                }
                yield new Expectation.MaxCost(usd, text, line);
            }
            case "status" -> {
                String status = nonBlank(value, field);
                if (status.equals("completed") || status.equals("failed")) {
                    yield new Expectation.Status(status, null, text, line);
                }
                if (!status.matches("[a-z0-9_]{1,64}")) {
                    throw new Invalid(line(value), field, "completed, failed, or the code a failed turn ends with"
                            + " (e.g. tool_loop_limit)");
                }
                yield new Expectation.Status("failed", status, text, line);
            }
            case "judge" -> judge(value, field, judgeModel, line);
            default -> throw new Invalid(line, field, "unknown expectation '" + kind + "'; known: "
                    + sorted(EXPECTATIONS));
        };
    }

    private Expectation judge(Node value, String field, String judgeModel, int line) {
        if (value instanceof ScalarNode) {
            String rubric = nonBlank(value, field);
            return new Expectation.Judge(rubric, DEFAULT_MIN_SCORE, judgeModel, "judge: " + rubric, line);
        }
        Map<String, Node> fields = fields(value, field, Set.of("rubric", "min_score", "model"));
        String rubric = nonBlank(required(fields, value, field, "rubric"), field + ".rubric");
        double min = fields.containsKey("min_score") ? fraction(fields.get("min_score"), field + ".min_score")
                : DEFAULT_MIN_SCORE;
        String model = fields.containsKey("model") ? text(fields.get("model"), field + ".model", 200) : judgeModel;
        return new Expectation.Judge(rubric, min, model, "judge: " + rubric, line);
    }

    private ToolMatch tool(Node node, String at) {
        if (node instanceof ScalarNode) {
            return new ToolMatch(toolName(node, at), null);
        }
        Map<String, Node> fields = fields(node, at, Set.of("name", "args"));
        String name = toolName(required(fields, node, at, "name"), at + ".name");
        JsonNode args = null;
        if (fields.containsKey("args")) {
            if (!(fields.get("args") instanceof MappingNode)) {
                throw new Invalid(line(fields.get("args")), at + ".args", "arguments are a mapping of name to value");
            }
            args = json(fields.get("args"));
        }
        return new ToolMatch(name, args);
    }

    private String toolName(Node node, String at) {
        String name = nonBlank(node, at);
        if (!TOOL_NAME.matcher(name).matches()) {
            throw new Invalid(line(node), at, "not a tool name: \"" + ApiInput.cut(name) + "\"");
        }
        return name;
    }

    private Schema schema(Node node, String at) {
        if (!(node instanceof MappingNode)) {
            throw new Invalid(line(node), at, "a JSON Schema is a mapping (e.g. {type: object, required: [answer]})");
        }
        try {
            return SCHEMAS.getSchema(JSON.writeValueAsString(json(node)), InputFormat.JSON);
        } catch (Exception e) {
            throw new Invalid(line(node), at, "not a JSON Schema: " + e.getMessage());
        }
    }

    // ---- nodes

    private static Map<String, Node> fields(Node node, String at, Set<String> known) {
        if (!(node instanceof MappingNode map)) {
            throw new Invalid(line(node), at, "expected a mapping of " + sorted(known));
        }
        Map<String, Node> fields = new LinkedHashMap<>();
        for (NodeTuple tuple : map.getValue()) {
            String key = key(tuple.getKeyNode(), at);
            if (!known.contains(key)) {
                throw new Invalid(line(tuple.getKeyNode()), at.isEmpty() ? key : at + "." + key,
                        "unknown field '" + key + "'; known: " + sorted(known));
            }
            fields.put(key, tuple.getValueNode());
        }
        return fields;
    }

    private static String key(Node node, String at) {
        if (!(node instanceof ScalarNode scalar)) {
            throw new Invalid(line(node), at, "a field's name must be text");
        }
        return stored(scalar, at);
    }

    /** The scalar's text, when PostgreSQL can store it (YAML's escapes can write a NUL the document does not have). */
    private static String stored(ScalarNode scalar, String at) {
        String refused = ApiInput.refused(scalar.getValue());
        if (refused != null) {
            throw new Invalid(line(scalar), at, "the text " + refused);
        }
        return scalar.getValue();
    }

    private static Node required(Map<String, Node> fields, Node parent, String at, String name) {
        Node node = fields.get(name);
        if (node == null || node.getTag().equals(Tag.NULL)) {
            throw new Invalid(line(node == null ? parent : node), at.isEmpty() ? name : at + "." + name,
                    "is required");
        }
        return node;
    }

    private static List<Node> list(Node node, String at) {
        if (!(node instanceof SequenceNode sequence)) {
            throw new Invalid(line(node), at, "expected a list");
        }
        return sequence.getValue();
    }

    private static String text(Node node, String at, int max) {
        if (!(node instanceof ScalarNode scalar) || node.getTag().equals(Tag.NULL)) {
            throw new Invalid(line(node), at, "expected text");
        }
        if (scalar.getValue().length() > max) {
            throw new Invalid(line(node), at, "longer than " + max + " characters");
        }
        return stored(scalar, at);
    }

    private static String nonBlank(Node node, String at) {
        String text = text(node, at, MAX_TEXT);
        if (text.isBlank()) {
            throw new Invalid(line(node), at, "must not be blank");
        }
        return text.strip();
    }

    private static long whole(Node node, String at, long min, long max) {
        long value;
        try {
            if (!(node instanceof ScalarNode scalar) || !node.getTag().equals(Tag.INT)) {
                throw new NumberFormatException();
            }
            value = Long.parseLong(scalar.getValue().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new Invalid(line(node), at, "expected a whole number");
        }
        if (value < min || value > max) {
            throw new Invalid(line(node), at, "must be between " + min + " and " + max);
        }
        return value;
    }

    private static BigDecimal number(Node node, String at) {
        if (node instanceof ScalarNode scalar && (node.getTag().equals(Tag.INT) || node.getTag().equals(Tag.FLOAT))) {
            try {
                return new BigDecimal(scalar.getValue().replace("_", ""));
            } catch (NumberFormatException e) {
                // .inf, .nan: below
            }
        }
        throw new Invalid(line(node), at, "expected a number");
    }

    private static double fraction(Node node, String at) {
        BigDecimal value = number(node, at);
        if (value.signum() < 0 || value.compareTo(BigDecimal.ONE) > 0) {
            throw new Invalid(line(node), at, "must be between 0 and 1");
        }
        return value.doubleValue();
    }

    private static int line(Node node) {
        return node == null || node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
    }

    private static String summary(Node value) {
        String text = value instanceof ScalarNode scalar ? scalar.getValue() : json(value).toString();
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    private static String sorted(Set<String> names) {
        return String.join(", ", names.stream().sorted().toList());
    }

    /** The node as plain JSON: mappings, lists, text, numbers, booleans and null as YAML's core schema reads them. */
    static JsonNode json(Node node) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (node instanceof MappingNode map) {
            ObjectNode object = nodes.objectNode();
            map.getValue().forEach(t -> object.set(key(t.getKeyNode(), ""), json(t.getValueNode())));
            return object;
        }
        if (node instanceof SequenceNode sequence) {
            ArrayNode array = nodes.arrayNode();
            sequence.getValue().forEach(item -> array.add(json(item)));
            return array;
        }
        String value = stored((ScalarNode) node, "");
        Tag tag = node.getTag();
        try {
            if (tag.equals(Tag.INT)) {
                return nodes.numberNode(new java.math.BigInteger(value.replace("_", "")));
            }
            if (tag.equals(Tag.FLOAT)) {
                return nodes.numberNode(new BigDecimal(value.replace("_", "")));
            }
        } catch (NumberFormatException e) {
            return nodes.textNode(value); // hexadecimal, octal, .inf: kept as written
        }
        if (tag.equals(Tag.BOOL)) {
            return nodes.booleanNode(Set.of("true", "yes", "on", "y").contains(value.toLowerCase(Locale.ROOT)));
        }
        if (tag.equals(Tag.NULL)) {
            return nodes.nullNode();
        }
        return nodes.textNode(value);
    }
}
