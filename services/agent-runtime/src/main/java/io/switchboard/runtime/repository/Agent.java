package io.switchboard.runtime.repository;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One version of an agent ({@code runtime.agent_versions}), with where the agent stands: the version new sessions
 * get ({@code publishedVersion}) and the newest one ({@code latestVersion}).
 */
public record Agent(UUID id, int version, String name, String model, String systemPrompt, List<String> tools,
                    List<String> httpAllowedHosts, Instant createdAt, int publishedVersion, int latestVersion) {
}
