package io.switchboard.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * CloudNativePG's Cluster checked by the validator {@code @kubernetes-models/cloudnative-pg} generates from its CRD:
 * CloudNativePG publishes the CRD itself on no registry this build reaches (Maven Central, npm, Debian), and that
 * package is on npm. It checks types, enums and required fields, not unknown fields. Needs node and npm.
 */
final class CnpgCheck {
    /** Pinned: a newer one may follow a newer CRD. */
    private static final String PACKAGE = "@kubernetes-models/cloudnative-pg@1.0.0";
    private static final Path HOME = Path.of(System.getProperty("basedir", "."), "target", "cnpg-schema")
            .toAbsolutePath();

    private CnpgCheck() {
    }

    /** Each document's problem, as the validator words it. */
    static List<String> problems(List<JsonNode> clusters) throws IOException, InterruptedException {
        install();
        List<String> command = new ArrayList<>(List.of("node", HOME.resolve("cnpg-check.mjs").toString()));
        for (int i = 0; i < clusters.size(); i++) {
            Path file = HOME.resolve("cluster-" + i + ".json");
            Files.writeString(file, clusters.get(i).toString());
            command.add(file.toString());
        }
        String output = run(command);
        return output.isBlank() ? List.of() : List.of(output.strip().split("\n"));
    }

    private static void install() throws IOException, InterruptedException {
        Files.createDirectories(HOME);
        try (InputStream script = CnpgCheck.class.getResourceAsStream("/cnpg-check.mjs")) {
            Files.copy(script, HOME.resolve("cnpg-check.mjs"), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(HOME.resolve("node_modules/@kubernetes-models/cloudnative-pg"))) {
            String output = run(List.of("npm", "install", "--prefix", HOME.toString(), "--no-audit", "--no-fund",
                    "--silent", PACKAGE));
            if (!Files.isDirectory(HOME.resolve("node_modules/@kubernetes-models/cloudnative-pg"))) {
                throw new IllegalStateException("npm could not install " + PACKAGE + ": " + output);
            }
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(HOME.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " took over 5 minutes");
        }
        if (process.exitValue() != 0 && process.exitValue() != 1) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }
}
