package io.switchboard.gateway.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.gateway.cost.PriceTable;
import io.switchboard.gateway.usage.CallRecorder;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.UUID;

/**
 * The organization's monthly budget for LLM calls (calendar months, UTC): every call counts, its agents' and its keys'.
 * A call that might take the month's spending past it is refused with {@code budget_exceeded} before it goes out
 * ({@code gateway.open_call}). Other replicas see a new budget within 5 seconds.
 */
@Path("/api/budget")
@RolesAllowed(Role.VIEWER_NAME)
public class BudgetResource {
    private final Pool pool;
    private final CallRecorder recorder;

    public BudgetResource(Pool pool, CallRecorder recorder) {
        this.pool = pool;
        this.recorder = recorder;
    }

    public record BudgetInput(BigDecimal monthlyUsd) {
    }

    /** The budget, what this month's finished calls cost and what calls in flight have reserved. */
    public record BudgetView(BigDecimal monthlyUsd, LocalDate month, BigDecimal spentUsd, BigDecimal reservedUsd) {
    }

    @GET
    public Uni<BudgetView> get(SecurityContext security) {
        String thisMonth = "date_trunc('month', now() at time zone 'UTC')::date";
        return pool.preparedQuery("select monthly_usd, greatest(month, " + thisMonth + ") as month,"
                        + " case when month < " + thisMonth + " then 0 else spent_usd end as spent, reserved_usd"
                        + " from gateway.org_budgets where org_id = $1")
                .execute(Tuple.of(Caller.of(security).orgId())).map(rows -> {
                    if (rows.size() == 0) {
                        throw new NotFoundException("this organization has no budget (PUT /api/budget"
                                + " {\"monthlyUsd\"})");
                    }
                    return view(rows.iterator().next());
                });
    }

    /** Sets the budget; a new one starts from what this month's calls already cost. */
    @Consumes(MediaType.APPLICATION_JSON)
    @PUT
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<BudgetView> put(BudgetInput body, SecurityContext security) {
        BigDecimal monthly = body == null ? null : body.monthlyUsd();
        if (monthly == null || monthly.signum() < 0 || monthly.compareTo(KeyResource.MAX_BUDGET) > 0) {
            throw new BadRequestException("monthlyUsd is required, between 0 and " + KeyResource.MAX_BUDGET);
        }
        if (monthly.scale() > 18 && monthly.stripTrailingZeros().scale() > 18) {
            throw new BadRequestException("monthlyUsd has more than 18 decimal places");
        }
        UUID org = Caller.of(security).orgId();
        return pool.preparedQuery("insert into gateway.org_budgets (org_id, monthly_usd, month, spent_usd)"
                        + " select $1, $2, date_trunc('month', now() at time zone 'UTC')::date, coalesce(sum(cost_usd), 0)"
                        + " from gateway.llm_calls where org_id = $1 and status <> 'running'"
                        + " and started_at >= date_trunc('month', now() at time zone 'UTC') at time zone 'UTC'"
                        + " on conflict (org_id) do update set monthly_usd = excluded.monthly_usd, updated_at = now()"
                        + " returning monthly_usd, month, spent_usd as spent, reserved_usd")
                .execute(Tuple.of(org, monthly)).map(rows -> view(rows.iterator().next()))
                .invoke(set -> recorder.budgetChanged(org, true)); // other replicas read it within 5 s
    }

    @DELETE
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> delete(SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        return pool.preparedQuery("delete from gateway.org_budgets where org_id = $1")
                .execute(Tuple.of(org)).map(rows -> {
                    if (rows.rowCount() == 0) {
                        throw new NotFoundException("this organization has no budget");
                    }
                    recorder.budgetChanged(org, false);
                    return Response.noContent().build();
                });
    }

    private static BudgetView view(Row row) {
        return new BudgetView(PriceTable.plain(row.getBigDecimal("monthly_usd")), row.getLocalDate("month"),
                PriceTable.plain(row.getBigDecimal("spent")), PriceTable.plain(row.getBigDecimal("reserved_usd")));
    }
}
