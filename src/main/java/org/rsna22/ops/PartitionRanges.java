package org.rsna22.ops;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Cuts an ordered list of studies into partitions of a fixed size named {@code studies-0000},
 * {@code studies-0001}, ...: each context holds {@code first} and {@code count} and, for progress, how many
 * items the partition has and what they are called. The same list gives the same names on restart.
 */
public final class PartitionRanges {

    public static final String FIRST = "first";
    public static final String COUNT = "count";

    private PartitionRanges() {
    }

    public static <T> Map<String, ExecutionContext> of(List<T> studies, int perPartition, ToLongFunction<T> items,
                                                      String unit) {
        Map<String, ExecutionContext> out = new LinkedHashMap<>();
        for (int first = 0, p = 0; first < studies.size(); first += perPartition, p++) {
            int count = Math.min(perPartition, studies.size() - first);
            ExecutionContext ctx = new ExecutionContext();
            ctx.putInt(FIRST, first);
            ctx.putInt(COUNT, count);
            ctx.putLong(JobProgressService.EXPECTED, studies.subList(first, first + count).stream().mapToLong(items).sum());
            ctx.putString(JobProgressService.UNIT, unit);
            out.put(String.format("studies-%04d", p), ctx);
        }
        return out;
    }
}
