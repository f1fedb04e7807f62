// `--mode group` of the Java compat driver (kafka-clients 4.1.1, classic group protocol).
//
//   --bootstrap B --topic T --group G [--assignor range|roundrobin|sticky|cooperative-sticky]
//   [--instance-id ID] [--session-timeout-ms N] [--expect-total N] [--idle-ms N]
//   [--commit auto|sync]
//
// Subscribes to T in group G and prints one JSON line per event (schema: test/compat/groups/
// events.ts): "started"; "assigned"/"revoked"/"lost" from the ConsumerRebalanceListener, with
// the generation and member id from consumer.groupMetadata(); "record" per record; "commit" per
// commit attempt (sync mode only: the Java client has no callback for auto-commits); "closed".
//
// Sync commits (the default) follow the usual well-behaved pattern, so "consumed at least once"
// and "committed offsets reach the end" are checkable: after each poll the positions reached
// (last offset + 1 per partition) are committed with commitSync; a failed commit stays pending
// and is retried on the next loop turn (every <= 200 ms) while the partition is still owned;
// onPartitionsRevoked commits what is pending for the revoked partitions before returning;
// onPartitionsLost drops it. Record lines are flushed before their commit, so everything
// committed has been printed even if the process is SIGKILLed.
//
// Heartbeat interval = max(500, session timeout / 6) ms (1 s at the 6 s broker minimum) so
// rebalances are noticed quickly. SIGTERM: wakeup() the poll loop, close() the consumer (which
// revokes and sends LeaveGroup for a dynamic member), print "closed", exit 0. --expect-total N
// closes the same way once this member has printed N records; --idle-ms N once N ms passed
// without a new record (counted from the first assignment).
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.clients.consumer.StickyAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

final class GroupMode implements ConsumerRebalanceListener {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String topic;
  private final boolean syncCommit;
  private final StringBuilder out = new StringBuilder();
  /** Positions processed but not yet committed, per partition. */
  private final Map<Integer, Long> pending = new TreeMap<>();
  private volatile boolean stopRequested = false;
  /** When the last record arrived, or the first assignment came; 0 before either. */
  private long lastNew = 0;

  private GroupMode(KafkaConsumer<byte[], byte[]> consumer, String topic, boolean syncCommit) {
    this.consumer = consumer;
    this.topic = topic;
    this.syncCommit = syncCommit;
  }

  static String assignorClass(String name) {
    return switch (name) {
      case "range" -> RangeAssignor.class.getName();
      case "roundrobin" -> RoundRobinAssignor.class.getName();
      case "sticky" -> StickyAssignor.class.getName();
      case "cooperative-sticky" -> CooperativeStickyAssignor.class.getName();
      default -> {
        Driver.usage("bad --assignor " + name);
        yield "";
      }
    };
  }

  static int run(Map<String, String> args) throws Exception {
    String topic = Driver.req(args, "topic");
    String commit = args.getOrDefault("commit", "sync");
    if (!commit.equals("sync") && !commit.equals("auto")) Driver.usage("bad --commit " + commit);
    int sessionMs = Integer.parseInt(args.getOrDefault("session-timeout-ms", "10000"));
    long expectTotal = Long.parseLong(args.getOrDefault("expect-total", "0"));
    long idleMs = Long.parseLong(args.getOrDefault("idle-ms", "0"));
    String instanceId = args.get("instance-id");
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Driver.req(args, "bootstrap"));
    p.put(ConsumerConfig.GROUP_ID_CONFIG, Driver.req(args, "group"));
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "floe-group-java-" + ProcessHandle.current().pid());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, Boolean.toString(commit.equals("auto")));
    p.put(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, "1000");
    p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        assignorClass(args.getOrDefault("assignor", "range")));
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.toString(sessionMs));
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Integer.toString(Math.max(500, sessionMs / 6)));
    if (instanceId != null) p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);

    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p);
    GroupMode g = new GroupMode(consumer, topic, commit.equals("sync"));
    sun.misc.Signal.handle(new sun.misc.Signal("TERM"), sig -> {
      g.stopRequested = true;
      consumer.wakeup();
    });
    try {
      consumer.subscribe(List.of(topic), g);
      g.line("{\"ev\":\"started\",\"t\":" + System.currentTimeMillis() + "}");
      g.pollLoop(expectTotal, idleMs);
    } finally {
      try {
        consumer.close(); // revokes (committing what is pending), then LeaveGroup
      } catch (WakeupException e) {
        consumer.close();
      }
      g.line("{\"ev\":\"closed\",\"t\":" + System.currentTimeMillis() + "}");
    }
    return 0;
  }

  private void pollLoop(long expectTotal, long idleMs) throws Exception {
    long printed = 0;
    while (!stopRequested) {
      ConsumerRecords<byte[], byte[]> recs;
      try {
        recs = consumer.poll(Duration.ofMillis(200));
      } catch (WakeupException e) {
        return;
      }
      for (ConsumerRecord<byte[], byte[]> r : recs) {
        String key = r.key() == null ? "" : Driver.utf8(r.key());
        String i = key.matches("k-[0-9]{1,18}") ? key.substring(2) : "null";
        out.append("{\"ev\":\"record\",\"partition\":").append(r.partition())
            .append(",\"offset\":").append(r.offset()).append(",\"i\":").append(i)
            .append(",\"t\":").append(System.currentTimeMillis()).append("}\n");
        pending.put(r.partition(), r.offset() + 1);
        printed++;
      }
      flush();
      if (!recs.isEmpty()) lastNew = System.currentTimeMillis();
      if (syncCommit && !pending.isEmpty()) {
        try {
          commit(new ArrayList<>(pending.keySet()));
        } catch (WakeupException e) {
          return;
        }
      }
      if (expectTotal > 0 && printed >= expectTotal) return;
      if (idleMs > 0 && lastNew > 0 && System.currentTimeMillis() - lastNew >= idleMs) return;
    }
  }

  /** Commits the pending positions of the given partitions; prints one "commit" event. */
  private void commit(Collection<Integer> partitions) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    Map<Integer, Long> sent = new TreeMap<>();
    for (int q : partitions) {
      Long o = pending.get(q);
      if (o == null) continue;
      offsets.put(new TopicPartition(topic, q), new OffsetAndMetadata(o));
      sent.put(q, o);
    }
    if (offsets.isEmpty()) return;
    String error = null;
    long issuedAt = System.currentTimeMillis();
    try {
      consumer.commitSync(offsets, Duration.ofSeconds(10));
      for (Map.Entry<Integer, Long> e : sent.entrySet()) pending.remove(e.getKey(), e.getValue());
    } catch (WakeupException e) {
      throw e;
    } catch (Exception e) {
      error = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    StringBuilder s = new StringBuilder("{\"ev\":\"commit\",\"offsets\":{");
    boolean first = true;
    for (Map.Entry<Integer, Long> e : sent.entrySet()) {
      if (!first) s.append(',');
      first = false;
      s.append('"').append(e.getKey()).append("\":").append(e.getValue());
    }
    s.append("},\"ok\":").append(error == null);
    if (error != null) s.append(",\"error\":").append(Driver.jsonString(error));
    s.append(",\"generation\":").append(generation()).append(",\"t0\":").append(issuedAt)
        .append(",\"t\":").append(System.currentTimeMillis()).append('}');
    line(s.toString());
  }

  private String generation() {
    ConsumerGroupMetadata md = consumer.groupMetadata();
    return md.generationId() < 0 ? "null" : Integer.toString(md.generationId());
  }

  private void event(String ev, Collection<TopicPartition> parts) {
    List<Integer> ps = new ArrayList<>();
    for (TopicPartition tp : parts) if (tp.topic().equals(topic)) ps.add(tp.partition());
    ps.sort(null);
    ConsumerGroupMetadata md = consumer.groupMetadata();
    String member = md.memberId() == null || md.memberId().isEmpty() ? "null" : Driver.jsonString(md.memberId());
    line("{\"ev\":\"" + ev + "\",\"partitions\":" + ps + ",\"generation\":" + generation()
        + ",\"memberId\":" + member + ",\"t\":" + System.currentTimeMillis() + "}");
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> parts) {
    if (syncCommit) {
      List<Integer> qs = new ArrayList<>();
      for (TopicPartition tp : parts) qs.add(tp.partition());
      try {
        commit(qs);
      } catch (WakeupException e) {
        commit(qs); // a pending wakeup (SIGTERM) aborts once; the commit still matters
      }
      for (TopicPartition tp : parts) pending.remove(tp.partition());
    }
    event("revoked", parts);
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> parts) {
    if (lastNew == 0) lastNew = System.currentTimeMillis();
    event("assigned", parts);
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> parts) {
    for (TopicPartition tp : parts) pending.remove(tp.partition());
    event("lost", parts);
  }

  private void flush() {
    if (out.length() == 0) return;
    System.out.print(out);
    System.out.flush();
    out.setLength(0);
  }

  private void line(String s) {
    out.append(s).append('\n');
    flush();
  }
}
