package io.switchboard.gateway.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.gateway.usage.CallRecord;
import io.switchboard.gateway.usage.CallRecorder;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import java.util.List;

@Path("/api/usage")
public class UsageResource {
    private final CallRecorder recorder;

    public UsageResource(CallRecorder recorder) {
        this.recorder = recorder;
    }

    /** The most recent LLM calls (at most 500), newest first. */
    @GET
    @Path("/calls")
    public Uni<List<CallRecord>> recentCalls(@QueryParam("limit") @DefaultValue("50") int limit) {
        return recorder.recent(Math.max(1, Math.min(limit, 500)));
    }
}
