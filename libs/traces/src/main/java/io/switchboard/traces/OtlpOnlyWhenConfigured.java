package io.switchboard.traces;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.arc.Unremovable;
import io.quarkus.arc.lookup.LookupIfProperty;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;

/**
 * Keeps Quarkus's OTLP exporter off until an endpoint is configured. The tracing SDK is always on (the span store needs
 * it), and Quarkus builds its OTLP exporter whenever the SDK is on and no exporter bean is found, sending to
 * localhost:4317 by default. This exporter (which drops everything) is found only while no OTLP endpoint is set
 * ({@code switchboard.otlp.endpoint}, from {@code SWITCHBOARD_OTLP_ENDPOINT}).
 */
@ApplicationScoped
@Unremovable // only looked up, by Quarkus
@LookupIfProperty(name = "switchboard.otlp.endpoint", stringValue = "", lookupIfMissing = true)
public class OtlpOnlyWhenConfigured implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
