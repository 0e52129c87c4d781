"""The paper's results reproduced, the acceptance tables, parity with Dynamo, and the speed bench."""
