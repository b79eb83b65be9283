// cdktf's jest matchers: toHaveResource, toHaveResourceWithProperties (snake_case keys), toBeValidTerraform.
import { Testing } from "cdktf";
Testing.setupJest();
