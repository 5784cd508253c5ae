package io.switchboard.runtime.tools;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The tools this runtime offers, by name. */
@ApplicationScoped
public class ToolRegistry {
    private final Map<String, Tool> tools = new TreeMap<>();

    public ToolRegistry(Instance<Tool> available) {
        available.forEach(tool -> tools.put(tool.name(), tool));
    }

    public Optional<Tool> find(String name) {
        return Optional.ofNullable(tools.get(name));
    }

    public Collection<String> names() {
        return tools.keySet();
    }
}
