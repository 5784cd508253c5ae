package io.switchboard.gateway.routing;

import java.util.List;

/** A model alias: its deployments in order and how it picks among them ({@code priority}, {@code weighted}, ...). */
public record Alias(List<String> deployments, String strategy) {
}
