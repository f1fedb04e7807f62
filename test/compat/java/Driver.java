// Floe compat driver for the Java client (org.apache.kafka:kafka-clients 4.1.1).
//
// CLI contract and record spec: see test/compat/record-spec.ts and test/compat/drivers.ts.
//   --bootstrap host:port --topic T --mode produce|consume|seek
//   produce: --count N --partitions P --compression none|gzip|snappy|lz4|zstd [--start I]
//   consume: --partitions P --expect N [--timeout-ms 60000]
//   seek:    --partition p --seek earliest|latest|offset:<n>|timestamp:<ms> --expect N
//            [--idle-ms 10000] [--timeout-ms 60000]
//   group:   --group G [--assignor ...] [--instance-id ID] [--session-timeout-ms N]
//            [--expect-total N] [--idle-ms N] [--commit auto|sync]   (see GroupMode.java)
// Output: one JSON line per acknowledged (produce) or received (consume/seek) record; group
// mode prints the event lines of test/compat/groups/events.ts.
// Exit: 0 ok, 1 error, 2 usage, 3 consume timed out before --expect records arrived.
//
// Compiled (with GroupMode.java) by plain javac in scripts/setup-test-deps.sh; the classpath comes from pom.xml.

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class Driver {
  static final String CLIENT = "java";
  static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

  // ---- record spec (mirror of test/compat/record-spec.ts) ----

  static int valueLength(long i) {
    if (i % 1000 == 999) return 100_000;
    if (i % 100 == 99) return 10_000;
    if (i % 10 == 9) return 1_000;
    return (int) (10 + (i * 37) % 190);
  }

  static byte[] recordValue(long i) {
    int n = valueLength(i);
    byte[] v = new byte[n];
    for (int j = 0; j < n; j++) {
      v[j] = (byte) ALPHABET.charAt((int) ((i * 7 + (long) j * 13) % 62));
    }
    return v;
  }

  // ---- CLI ----

  public static void main(String[] argv) {
    Map<String, String> args = new HashMap<>();
    for (int k = 0; k < argv.length; k++) {
      if (!argv[k].startsWith("--") || k + 1 >= argv.length) usage("bad argument " + argv[k]);
      args.put(argv[k].substring(2), argv[++k]);
    }
    String mode = req(args, "mode");
    int code;
    try {
      switch (mode) {
        case "produce" -> code = produce(args);
        case "consume" -> code = consume(args);
        case "seek" -> code = seek(args);
        case "group" -> code = GroupMode.run(args);
        default -> {
          usage("unknown --mode " + mode);
          code = 2;
        }
      }
    } catch (Exception e) {
      System.out.flush();
      System.err.println("java driver error: " + e);
      code = 1;
    }
    System.out.flush();
    System.exit(code);
  }

  static void usage(String msg) {
    System.err.println("java driver: " + msg);
    System.exit(2);
  }

  static String req(Map<String, String> args, String k) {
    String v = args.get(k);
    if (v == null) usage("missing --" + k);
    return v;
  }

  // ---- produce ----

  static int produce(Map<String, String> args) throws Exception {
    String topic = req(args, "topic");
    long count = Long.parseLong(req(args, "count"));
    int partitions = Integer.parseInt(req(args, "partitions"));
    long start = Long.parseLong(args.getOrDefault("start", "0"));
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, req(args, "bootstrap"));
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, req(args, "compression"));
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    // Everything else is the client default: idempotent, acks=all, linger 5 ms.
    AtomicReference<Exception> failure = new AtomicReference<>();
    StringBuilder out = new StringBuilder();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
      for (long i = start; i < start + count; i++) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("idx", Long.toString(i).getBytes(StandardCharsets.UTF_8));
        headers.add("src", CLIENT.getBytes(StandardCharsets.UTF_8));
        ProducerRecord<byte[], byte[]> rec = new ProducerRecord<>(topic, (int) (i % partitions), null,
            ("k-" + i).getBytes(StandardCharsets.UTF_8), recordValue(i), headers);
        final long idx = i;
        producer.send(rec, (md, err) -> {
          if (err != null) {
            failure.compareAndSet(null, err);
            return;
          }
          synchronized (out) {
            out.append("{\"i\":").append(idx).append(",\"partition\":").append(md.partition())
                .append(",\"offset\":").append(md.offset()).append("}\n");
            if (out.length() > 1 << 16) {
              System.out.print(out);
              out.setLength(0);
            }
          }
        });
      }
      producer.flush();
    }
    synchronized (out) {
      System.out.print(out);
    }
    System.out.flush();
    if (failure.get() != null) {
      System.err.println("java driver: delivery failed: " + failure.get());
      return 1;
    }
    return 0;
  }

  // ---- consume / seek ----

  static KafkaConsumer<byte[], byte[]> newConsumer(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return new KafkaConsumer<>(p);
  }

  static int consume(Map<String, String> args) throws Exception {
    String topic = req(args, "topic");
    int partitions = Integer.parseInt(req(args, "partitions"));
    long expect = Long.parseLong(req(args, "expect"));
    long timeoutMs = Long.parseLong(args.getOrDefault("timeout-ms", "60000"));
    try (KafkaConsumer<byte[], byte[]> c = newConsumer(req(args, "bootstrap"))) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int q = 0; q < partitions; q++) tps.add(new TopicPartition(topic, q));
      c.assign(tps);
      c.seekToBeginning(tps);
      return pollLoop(c, expect, timeoutMs, 0);
    }
  }

  static int seek(Map<String, String> args) throws Exception {
    String topic = req(args, "topic");
    int partition = Integer.parseInt(req(args, "partition"));
    String seek = req(args, "seek");
    long expect = Long.parseLong(req(args, "expect"));
    long timeoutMs = Long.parseLong(args.getOrDefault("timeout-ms", "60000"));
    long idleMs = Long.parseLong(args.getOrDefault("idle-ms", "10000"));
    TopicPartition tp = new TopicPartition(topic, partition);
    try (KafkaConsumer<byte[], byte[]> c = newConsumer(req(args, "bootstrap"))) {
      c.assign(List.of(tp));
      if (seek.equals("earliest")) {
        c.seekToBeginning(List.of(tp));
      } else if (seek.equals("latest")) {
        c.seekToEnd(List.of(tp));
      } else if (seek.startsWith("offset:")) {
        c.seek(tp, Long.parseLong(seek.substring(7)));
      } else if (seek.startsWith("timestamp:")) {
        long ts = Long.parseLong(seek.substring(10));
        Map<TopicPartition, OffsetAndTimestamp> found =
            c.offsetsForTimes(Map.of(tp, ts), Duration.ofMillis(timeoutMs));
        OffsetAndTimestamp oat = found.get(tp);
        if (oat == null) c.seekToEnd(List.of(tp));
        else c.seek(tp, oat.offset());
      } else {
        usage("bad --seek " + seek);
      }
      return pollLoop(c, expect, timeoutMs, expect == 0 ? idleMs : 0);
    }
  }

  /** Polls until `expect` records (or, when idleMs > 0, until idleMs pass with nothing new). */
  static int pollLoop(KafkaConsumer<byte[], byte[]> c, long expect, long timeoutMs, long idleMs)
      throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    long deadline = System.currentTimeMillis() + timeoutMs;
    long lastNew = System.currentTimeMillis();
    long got = 0;
    StringBuilder out = new StringBuilder();
    while (true) {
      long now = System.currentTimeMillis();
      if (expect > 0 && got >= expect) break;
      if (idleMs > 0 && now - lastNew >= idleMs) break;
      if (now >= deadline) {
        System.out.print(out);
        System.out.flush();
        System.err.println("java driver: timed out after " + timeoutMs + " ms with " + got + "/" + expect + " records");
        return 3;
      }
      ConsumerRecords<byte[], byte[]> recs = c.poll(Duration.ofMillis(200));
      for (ConsumerRecord<byte[], byte[]> r : recs) {
        if (expect > 0 && got >= expect) break;
        got++;
        lastNew = System.currentTimeMillis();
        out.append("{\"partition\":").append(r.partition())
            .append(",\"offset\":").append(r.offset())
            .append(",\"key\":").append(r.key() == null ? "null" : jsonString(utf8(r.key())))
            .append(",\"valueSha256\":\"").append(hex(sha.digest(r.value() == null ? new byte[0] : r.value())))
            .append("\",\"valueLength\":").append(r.value() == null ? -1 : r.value().length)
            .append(",\"headers\":[");
        boolean first = true;
        for (Header h : r.headers()) {
          if (!first) out.append(',');
          first = false;
          out.append('[').append(jsonString(h.key())).append(',')
              .append(h.value() == null ? "null" : jsonString(utf8(h.value()))).append(']');
        }
        out.append("],\"timestampMs\":").append(r.timestamp()).append("}\n");
      }
      if (out.length() > 1 << 16) {
        System.out.print(out);
        out.setLength(0);
      }
    }
    System.out.print(out);
    System.out.flush();
    return 0;
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  static String hex(byte[] b) {
    StringBuilder s = new StringBuilder(b.length * 2);
    for (byte x : b) s.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
    return s.toString();
  }

  static String jsonString(String s) {
    StringBuilder o = new StringBuilder(s.length() + 2).append('"');
    for (int k = 0; k < s.length(); k++) {
      char ch = s.charAt(k);
      switch (ch) {
        case '"' -> o.append("\\\"");
        case '\\' -> o.append("\\\\");
        case '\n' -> o.append("\\n");
        case '\r' -> o.append("\\r");
        case '\t' -> o.append("\\t");
        default -> {
          if (ch < 0x20) o.append(String.format("\\u%04x", (int) ch));
          else o.append(ch);
        }
      }
    }
    return o.append('"').toString();
  }
}
