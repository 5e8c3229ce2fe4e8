// DevHBase runs HBase in standalone mode (one JVM: an embedded ZooKeeper, the
// master and one region server, data on the local file system) and creates
// OpenTSDB's tables in it, for deploy/dev/opentsdb.
//
//   java -cp <conf dir>:<this class>:<HBase classpath> DevHBase <ready file>
//
// HBase reads hbase-site.xml from the class path. Once the tables exist and
// every region of them is online, DevHBase writes the ready file, which the
// script waits for: a port that answers does not mean the tables can be
// written yet. The process then lives as long as the master; SIGTERM stops it
// through HBase's own shutdown hook.
//
// The tables are OpenTSDB's create_table.sh's (tsdb, tsdb-uid, tsdb-tree,
// tsdb-meta) without compression, made with the Admin API instead of the
// HBase shell (JRuby), which the Maven artifacts do not ship.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.TableName;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.io.encoding.DataBlockEncoding;
import org.apache.hadoop.hbase.master.HMaster;
import org.apache.hadoop.hbase.regionserver.BloomType;
import org.apache.hadoop.hbase.util.Bytes;

public class DevHBase {
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: DevHBase <ready file>");
      System.exit(2);
    }
    Path ready = Paths.get(args[0]);
    Files.deleteIfExists(ready);

    Thread master = new Thread(() -> {
      try {
        // Returns when the master stops; exits by itself when it fails.
        HMaster.main(new String[] {"start"});
      } catch (Throwable t) {
        t.printStackTrace();
        System.exit(1);
      }
      System.exit(0);
    }, "devhbase-master");
    master.start();

    Configuration conf = HBaseConfiguration.create();
    // The client retries while the embedded ZooKeeper and the master come
    // up; the script's own timeout bounds the whole start.
    conf.setInt("hbase.client.retries.number", 100);
    conf.setLong("hbase.client.pause", 200);
    try (Connection c = ConnectionFactory.createConnection(conf); Admin admin = c.getAdmin()) {
      create(admin, "tsdb", "t");
      create(admin, "tsdb-uid", "id", "name");
      create(admin, "tsdb-tree", "t");
      create(admin, "tsdb-meta", "name");
      for (String t : new String[] {"tsdb", "tsdb-uid", "tsdb-tree", "tsdb-meta"}) {
        TableName tn = TableName.valueOf(t);
        while (!admin.isTableAvailable(tn)) {
          Thread.sleep(200);
        }
      }
    }
    Path tmp = Paths.get(args[0] + ".tmp");
    Files.write(tmp, "ready\n".getBytes(StandardCharsets.UTF_8));
    Files.move(tmp, ready, StandardCopyOption.ATOMIC_MOVE);
    System.out.println("DevHBase: OpenTSDB's tables are online");
    master.join();
  }

  static void create(Admin admin, String table, String... families) throws Exception {
    TableName tn = TableName.valueOf(table);
    if (admin.tableExists(tn)) {
      return;
    }
    TableDescriptorBuilder b = TableDescriptorBuilder.newBuilder(tn);
    for (String f : families) {
      ColumnFamilyDescriptorBuilder cf = ColumnFamilyDescriptorBuilder.newBuilder(Bytes.toBytes(f))
          .setMaxVersions(1)
          .setBloomFilterType(BloomType.ROW);
      if (table.equals("tsdb")) {
        cf.setDataBlockEncoding(DataBlockEncoding.DIFF);
      }
      b.setColumnFamily(cf.build());
    }
    admin.createTable(b.build());
    System.out.println("DevHBase: created " + table);
  }
}
