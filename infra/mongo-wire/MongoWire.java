// A MongoDB wire-protocol server for tests on machines without mongod: mongo-java-server with its
// H2 file backend. Run without a build step (Java 11+ single-file launch):
//   java -cp 'libs/*' MongoWire.java <h2 file, or "" for memory> [port] [wire version]
import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.util.List;
import org.h2.mvstore.MVStore;

public class MongoWire {
  public static void main(String[] args) throws Exception {
    String file = args.length > 0 ? args[0] : "";
    int port = args.length > 1 ? Integer.parseInt(args[1]) : 27017;
    // The library reports MongoDB 4.2 (wire 8) by default, which the mongodb 7.x driver refuses;
    // 13 is MongoDB 5.0.
    int wire = args.length > 2 ? Integer.parseInt(args[2]) : 13;
    MongoBackend backend = file.isEmpty() ? new MemoryBackend() : new CommittingH2Backend(file);
    backend.version(
        new MongoVersion() {
          public List<Integer> getVersionArray() {
            return List.of(5, 0, 0);
          }

          public int getWireVersion() {
            return wire;
          }
        });
    MongoServer server = new MongoServer(backend);
    server.bind("127.0.0.1", port);
    System.out.println("mongo-wire listening on 127.0.0.1:" + port);
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdown));
    Thread.currentThread().join();
  }

  /**
   * The H2 backend leaves its store to commit in the background about once a second, so a killed
   * server loses writes it has already acknowledged. Committing before each reply makes every
   * acknowledged write survive a kill of the process (it reaches the OS, not necessarily the disk).
   */
  static final class CommittingH2Backend extends H2Backend {
    CommittingH2Backend(String file) {
      super(openStore(file));
    }

    // Each commit writes a new chunk, and H2 keeps replaced chunks for 45 s in case the disk
    // reorders writes on power loss; at a commit per write the file would grow by gigabytes.
    // Losing power is not a case for a test server, so their space is reused at once.
    private static MVStore openStore(String file) {
      MVStore store = new MVStore.Builder().fileName(file).open();
      store.setRetentionTime(0);
      return store;
    }

    @Override
    public Document handleCommand(Channel channel, String database, String command, Document query) {
      try {
        return super.handleCommand(channel, database, command, query);
      } finally {
        commit();
      }
    }
  }
}
