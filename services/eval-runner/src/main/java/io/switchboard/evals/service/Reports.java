package io.switchboard.evals.service;

import io.switchboard.evals.repository.EvalRepository.Run;
import io.switchboard.evals.scorer.Check;
import io.switchboard.evals.service.Comparison.CaseDiff;
import io.switchboard.evals.service.Comparison.CaseSummary;
import java.io.StringWriter;
import java.util.List;
import java.util.Locale;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/** A finished run as the CLI prints it, as JUnit XML for CI, and its verdict (what the CLI exits with). */
public final class Reports {
    private Reports() {
    }

    /**
     * {@code regressions}: only a case that passed in the baseline and fails now (or a new case that fails) fails the
     * gate; {@code failures}: any failing case does.
     */
    public enum Gate { REGRESSIONS, FAILURES }

    /** {@code passed} (exit 0), {@code failed} (1), {@code unusable} (2: cases could not be checked, or the run broke). */
    public static String verdict(Run run, Comparison comparison, Gate gate) {
        if (!run.status().equals(Run.COMPLETED)) {
            return "unusable";
        }
        boolean failed = comparison.cases().stream().anyMatch(d -> d.now() != null
                && d.now().outcome().equals(Check.FAIL)
                && (gate == Gate.FAILURES || d.change().equals("regressed") || d.change().equals("new")));
        if (failed) {
            return "failed";
        }
        boolean errored = comparison.cases().stream().anyMatch(d -> d.now() != null
                && d.now().outcome().equals(Check.ERROR));
        return errored ? "unusable" : "passed";
    }

    public static String text(String suite, Run run, Comparison comparison, Gate gate) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "suite %s, run %s: %s on agent version %s (%s)%n", suite, run.id(),
                run.status(), run.agentVersion(), run.model()));
        for (CaseDiff d : comparison.cases()) {
            CaseSummary c = d.now();
            if (c == null) {
                out.append(String.format(Locale.ROOT, "  %-5s %s  (removed)%n", "-", d.name()));
                continue;
            }
            out.append(String.format(Locale.ROOT, "  %-5s %s  score %.2f, %d ms%s  [%s%s]%n",
                    c.outcome().toUpperCase(Locale.ROOT), c.name(), c.score(), c.latencyMs(),
                    c.costUsd() == null ? "" : ", $" + c.costUsd().toPlainString(), d.change(),
                    d.scoreDelta() == null || d.scoreDelta() == 0 ? ""
                            : String.format(Locale.ROOT, " %+.2f", d.scoreDelta())));
            if (c.reason() != null && !c.outcome().equals(Check.PASS)) {
                out.append("        ").append(c.reason()).append('\n');
            }
        }
        long passed = comparison.cases().stream().filter(d -> d.now() != null
                && d.now().outcome().equals(Check.PASS)).count();
        long total = comparison.cases().stream().filter(d -> d.now() != null).count();
        out.append(String.format(Locale.ROOT, "%d of %d cases passed", passed, total));
        if (comparison.baselineId() != null) {
            out.append(String.format(Locale.ROOT, "; against run %s: %d regressed, %d improved, %d unchanged,"
                            + " %d new, %d removed", comparison.baselineId(), comparison.regressed(),
                    comparison.improved(), comparison.unchanged(), comparison.added(), comparison.removed()));
        }
        if (run.error() != null) {
            out.append("\nthe run ").append(run.status()).append(": ").append(run.error());
        }
        out.append("\nverdict: ").append(verdict(run, comparison, gate)).append('\n');
        return out.toString();
    }

    public static String junit(String suite, Run run, List<CaseSummary> cases) {
        StringWriter xml = new StringWriter();
        try {
            XMLStreamWriter w = XMLOutputFactory.newDefaultFactory().createXMLStreamWriter(xml);
            w.writeStartDocument("UTF-8", "1.0");
            w.writeStartElement("testsuites");
            w.writeStartElement("testsuite");
            w.writeAttribute("name", suite);
            w.writeAttribute("tests", String.valueOf(cases.size()));
            w.writeAttribute("failures", String.valueOf(count(cases, Check.FAIL)));
            w.writeAttribute("errors", String.valueOf(count(cases, Check.ERROR)));
            w.writeAttribute("time", seconds(cases.stream().mapToLong(CaseSummary::latencyMs).sum()));
            w.writeAttribute("timestamp", run.createdAt().toString());
            for (CaseSummary c : cases) {
                w.writeStartElement("testcase");
                w.writeAttribute("classname", suite);
                w.writeAttribute("name", xmlText(c.name()));
                w.writeAttribute("time", seconds(c.latencyMs()));
                if (!c.outcome().equals(Check.PASS)) {
                    w.writeStartElement(c.outcome().equals(Check.FAIL) ? "failure" : "error");
                    w.writeAttribute("message", xmlText(c.reason() == null ? c.outcome() : c.reason()));
                    w.writeCharacters(String.format(Locale.ROOT, "score %.2f (%d of %d runs passed); session %s",
                            c.score(), c.passed(), c.runs(), c.sessionId()));
                    w.writeEndElement();
                }
                w.writeEndElement();
            }
            w.writeEndElement();
            w.writeEndElement();
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return xml.toString();
    }

    private static long count(List<CaseSummary> cases, String outcome) {
        return cases.stream().filter(c -> c.outcome().equals(outcome)).count();
    }

    /** Text XML 1.0 can carry: control characters other than tab and line ends are left out. */
    private static String xmlText(String text) {
        return text.replaceAll("[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF]", "");
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.3f", millis / 1000.0);
    }
}
